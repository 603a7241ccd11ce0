// A file input's picks read in the page, the last pick's only: a read of an earlier pick that
// ends after a later one's is dropped (a large file on a slow disk, then a small one), and a
// form's submit can wait for the last pick's read (a name suggested at once from the file's
// name must not let Import run before the file's text is there).

export type FileReadResult<T> = { value: T } | { error: unknown }

export interface LatestFileRead<T> {
  /** `file` is now the pick: `took` gets its read's result unless another pick (or drop) came first. */
  pick(file: File, took: (result: FileReadResult<T>) => void): void
  /** No pick now (none chosen, or one refused before reading): a read under way is dropped. */
  drop(): void
  /** Resolves once the last pick's read has ended and `took` has run (rejects only if `took` throws). */
  settled(): Promise<void>
}

export function latestFileRead<T>(read: (file: File) => Promise<T>): LatestFileRead<T> {
  let latest: File | undefined
  let pending: Promise<void> = Promise.resolve()
  return {
    pick(file, took) {
      latest = file
      const answer = (result: FileReadResult<T>): void => {
        if (file === latest) took(result)
      }
      pending = read(file).then(
        (value) => answer({ value }),
        (error: unknown) => answer({ error })
      )
    },
    drop() {
      latest = undefined
      pending = Promise.resolve()
    },
    settled: () => pending
  }
}
