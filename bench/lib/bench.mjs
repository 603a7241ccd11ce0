// What the benches that run cases round by round share (run.mjs, tls.mjs, peers.mjs): where
// the checkout is, byte units, and how failures are kept: each printed loudly as it happens,
// kept for the raw results, and making the exit code non-zero once the bench is done.
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { liveChildren } from './proc.mjs'

/** The bench folder, and the checkout it is in. */
export const BENCH = dirname(dirname(fileURLToPath(import.meta.url)))
export const ROOT = dirname(BENCH)
export const KiB = 1024
export const MiB = 1024 * KiB
export const GiB = 1024 * MiB

/** A progress or error line, on stderr (stdout is the report). */
export const log = (s) => process.stderr.write(s + '\n')

/**
 * The bench's failures and the way to add one: `rec` (a case's record, or `{ errors: [] }`
 * for setup) is marked failed; `whereOf` says which case it was.
 */
export function failureList(whereOf = (rec) => `round ${rec.round} ${rec.phase} ${rec.case}`) {
  const failures = []
  function fail(rec, message) {
    rec.ok = false
    rec.errors.push(message)
    const where = rec.phase ? whereOf(rec) : 'setup'
    failures.push({ where, message })
    log(`\n!!! ERROR [${where}]: ${message}\n`)
  }
  return { failures, fail }
}

/**
 * Runs the bench's `main` to its end: a throw is a setup failure; then children still running
 * are said and killed (`cleanup`, from cleanUpOnExit), and the process exits 1 when anything
 * failed, 0 otherwise.
 */
export function runBench(main, { failures, fail }, cleanup) {
  main()
    .catch((err) => fail({ errors: [] }, err.message))
    .finally(() => {
      const left = liveChildren()
      cleanup()
      if (left.length) log(`bench: killed child processes still running at the end: ${left.join(', ')}`)
      if (failures.length) log(`\n${failures.length} failure(s); the first: [${failures[0].where}] ${failures[0].message}`)
      process.exit(failures.length ? 1 : 0)
    })
}
