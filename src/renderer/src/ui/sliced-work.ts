// Work too long for one task of the page (pretty-printing a few MiB of JSON, drawing a MiB of
// text) done in slices: the work is a generator that yields between small steps; a slice
// runs steps until its budget is spent, then the page paints and takes input before the next.
// So no body, however large, holds the page for more than about a slice. The first slice
// runs at once: a small body is done before the caller returns, with no flash of "working".

/** How long one slice may run. Chromium counts a task over 50 ms as long; a slice stays well under. */
export const SLICE_MS = 12

/**
 * Runs `steps` in slices of `budget` ms; `done` hears the result (synchronously when the first
 * slice finishes it). Returns a cancel: no step runs and nothing is heard after it.
 */
export function runSliced<T>(steps: Iterator<unknown, T>, done: (result: T) => void, budget = SLICE_MS): () => void {
  let cancelled = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const slice = (): void => {
    timer = undefined
    const until = performance.now() + budget
    for (;;) {
      const next = steps.next()
      if (cancelled) return
      if (next.done) {
        done(next.value)
        return
      }
      if (performance.now() >= until) break
    }
    timer = setTimeout(slice, 0)
  }
  slice()
  return () => {
    cancelled = true
    if (timer !== undefined) clearTimeout(timer)
  }
}

/** A generator's result, run to its end in one go (for tests, and for work known to be small). */
export function runWhole<T>(steps: Iterator<unknown, T>): T {
  for (;;) {
    const next = steps.next()
    if (next.done) return next.value
  }
}
