// Work done ahead of need, a slice at a time: each slice runs in a timer turn of its own, so
// the I/O that waits meanwhile (a proxy's bytes, a front end's command) is handled between
// slices, and in Node the timer is unref'd, so a process with nothing else to do (a CLI
// command) ends rather than waits for work that nobody may ask for.

/** Runs `slice` in turns until it returns true or throws, or until the returned function is called. */
export function inSlices(slice: () => boolean): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const next = (): void => {
    timer = setTimeout(() => {
      let done = true
      try {
        done = slice()
      } catch {
        // Work ahead of need only: what needs it makes it itself, and says what went wrong there.
      }
      if (!done) next()
    }, 0)
    ;(timer as { unref?: () => void }).unref?.()
  }
  next()
  return () => clearTimeout(timer)
}
