// The throwaway profiles intercepted browsers run in: made fresh for each start (so nothing
// of the user's own profile is touched, and nothing of tcpscope's trust outlives it), and
// removed when the browser is gone. A Firefox profile is prepared before the start: its
// proxy settings in user.js and tcpscope's CA in its own certificate database.

import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { UserError } from '../../shared/errors'
import { firefoxUserJs, type ProxyAddress } from './browser-args'

const run = promisify(execFile)

/** Every profile folder's name starts so, under the system's temp folder. */
export const PROFILE_PREFIX = 'tcpscope-browser-'

export async function makeProfileDir(parent = tmpdir()): Promise<string> {
  return mkdtemp(join(parent, PROFILE_PREFIX))
}

/**
 * Removes a profile. A browser's helper processes may still be writing into it for a
 * moment after the main process exits (and Windows refuses to remove open files), so
 * rm retries before giving up; what could not be removed is reported, never thrown.
 */
export async function removeProfileDir(dir: string): Promise<string | undefined> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    return undefined
  } catch (err) {
    return `could not remove the browser profile ${dir}: ${(err as Error).message}; remove it by hand`
  }
}

/** The name tcpscope's CA has in a profile's certificate database. */
export const NSS_NICKNAME = 'tcpscope CA'

/** Makes `dir` an NSS database (cert9.db) trusting `caPem` to identify web sites ("C,,"). */
export async function trustInNssDb(certutil: string, dir: string, caPem: string): Promise<void> {
  const caFile = join(dir, 'tcpscope-ca.pem')
  await writeFile(caFile, caPem, { mode: 0o600 })
  const db = `sql:${dir}`
  try {
    await run(certutil, ['-N', '-d', db, '--empty-password'], { timeout: 30_000 })
    await run(certutil, ['-A', '-d', db, '-t', 'C,,', '-n', NSS_NICKNAME, '-i', caFile], { timeout: 30_000 })
  } catch (err) {
    const e = err as Error & { stderr?: string }
    const why = (e.stderr ?? '').trim().split('\n')[0] || e.message
    throw new UserError(`could not add tcpscope's CA to the browser profile's certificate database with ${certutil}: ${why}`, 'EIO')
  } finally {
    await rm(caFile, { force: true })
  }
}

/** A fresh Firefox profile in `dir`: proxied through `proxy`, trusting `caPem` (through certutil). */
export async function prepareFirefoxProfile(dir: string, opts: { proxy: ProxyAddress; caPem: string; certutil: string }): Promise<void> {
  await writeFile(join(dir, 'user.js'), firefoxUserJs(opts.proxy))
  await trustInNssDb(opts.certutil, dir, opts.caPem)
}
