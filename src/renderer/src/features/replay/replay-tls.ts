// The Replay tab's TLS controls, for a connection whose target spoke TLS: a CA file to trust
// (empty: the one the capture recorded for the connection, which the engine trusts unasked)
// and not verifying at all; what they make of a replay's `tls` argument; and the engine's
// words for a failure they fix. The engine words a replay's TLS failure for the CLI, whose
// flags fix it (`pass --upstream-ca FILE to trust it, or --insecure to skip verification`,
// core/replay/replay-tls.ts REPLAY_TLS_FLAGS); the tab has those controls instead, so its
// errors name them, in the UI's language. The wordings below are the engine's
// (test/core/front/replay-tls-words.test.ts holds them to its real errors); any other error
// is said as engineWords says it.

import type { ConnectionSummary } from '../../../../shared/capture-types'
import { targetSpokeTls } from '../../../../shared/replay-tls'
import type { ReplayTlsOptions } from '../../../../shared/tls-args'
import { engineWords } from '../../ui/engine-words'

/** A connection replayed over TLS, as the controls show it: the CA file the capture recorded for it, if any. */
export interface ReplayTlsTarget {
  recordedCa?: string
}

/** What the controls show for `conn`; undefined when its target spoke no TLS (a replay goes plain, and they have nothing to do). */
export function replayTlsTarget(conn: Pick<ConnectionSummary, 'kind' | 'tls'>): ReplayTlsTarget | undefined {
  if (!targetSpokeTls(conn)) return undefined
  const ca = conn.tls?.server?.caFile
  return ca === undefined ? {} : { recordedCa: ca }
}

/** What a person chose for a replay's TLS. */
export interface ReplayTlsChoice {
  /** A CA file's path on the engine's host; empty: the recorded one, if any. */
  caFile: string
  /** Do not verify the server's certificate. */
  insecure: boolean
}

/** The replay's `tls` argument for a choice; nothing when it is the engine's default (verify, trusting what was recorded). */
export function replayTlsArgs(c: ReplayTlsChoice): { tls?: ReplayTlsOptions } {
  // Not verifying, a CA file has nothing to do (and one that is not there would still refuse the replay).
  if (c.insecure) return { tls: { verify: false } }
  const ca = c.caFile.trim()
  return ca === '' ? {} : { tls: { ca } }
}

type Translate = (key: string, params?: Record<string, unknown>) => string

const VERIFY = /^cannot verify (?<where>.+)'s certificate \((?<why>.+)\): (?<fix>.+)$/
/** The replay's fixes, as the engine words them with the CLI's flags, by the message naming the tab's controls. */
const FIXES: Readonly<Record<string, string>> = {
  'pass --upstream-ca FILE to trust it, or --insecure to skip verification': 'trustCa',
  'pass --sni NAME with a name it holds, or --insecure to skip verification': 'otherName',
  "check the target's certificate and this machine's clock, or pass --insecure to skip verification": 'checkClock'
}
/** What became of the CA file the capture recorded, after the reason (core/replay/replay-tls.ts). */
const RECORDED = /^(?<reason>.+?); the CA file the capture recorded, (?<path>.+), (?:cannot be used: (?<unusable>.+)|does not verify it either)$/
const UNUSABLE: Readonly<Record<string, string>> = {
  'it is not there': 'notThere',
  'permission denied': 'denied',
  'it holds no certificate tcpscope can read': 'noCertificate',
  'it is too large for a CA file': 'tooLarge'
}
const NOT_A_FILE = /^it is (?<kind>.+), not a file$/
const KINDS: Readonly<Record<string, string>> = {
  'a FIFO (named pipe)': 'fifo',
  'a character device': 'device',
  'a block device': 'device',
  'a socket': 'socket',
  'a folder': 'folder'
}
const CANNOT_READ = /^cannot read --upstream-ca (?<path>.+): (?<why>.+)$/
const HOLDS = /^--upstream-ca (?<path>.+) holds (?:no certificate|a certificate that cannot be read)/

/** `key` said, or `fallback` where this language has no message of that name. */
function said(t: Translate, key: string, params: Record<string, unknown>, fallback: string): string {
  const out = t(key, params)
  return out === key ? fallback : out
}

/** Why the recorded CA file was not used, in the UI's language where its wording is known. */
function unusableWhy(why: string, t: Translate): string {
  const key = UNUSABLE[why]
  if (key !== undefined) return said(t, `replay.tls.unusable.${key}`, {}, why)
  const kind = KINDS[NOT_A_FILE.exec(why)?.groups?.kind ?? '']
  return kind !== undefined ? said(t, `replay.tls.unusable.notFile.${kind}`, {}, why) : why
}

/** The reason a certificate did not verify, with what became of the recorded CA file said in the UI's language. */
function reasonWords(why: string, t: Translate): string {
  const m = RECORDED.exec(why)
  if (m === null) return why
  const { reason, path, unusable } = m.groups!
  const note = unusable !== undefined ? t('replay.tls.recordedUnusable', { path, why: unusableWhy(unusable, t) }) : t('replay.tls.recordedOther', { path })
  return reason + note
}

/** A replay's TLS failure naming the Replay tab's controls instead of the CLI's flags; undefined for any other message. */
export function replayTlsWords(message: string, t: Translate): string | undefined {
  const controls = { ca: t('replay.tls.ca'), insecure: t('replay.tls.insecure') }
  const v = VERIFY.exec(message)
  const fix = v === null ? undefined : FIXES[v.groups!.fix]
  if (v !== null && fix !== undefined) {
    const { where, why } = v.groups!
    return t('replay.tls.cannotVerify', { where, why: reasonWords(why, t), fix: t(`replay.tls.fix.${fix}`, controls) })
  }
  const read = CANNOT_READ.exec(message)
  if (read !== null) {
    const why = read.groups!.why
    const reason = why === 'no such file' || why === 'permission denied' ? said(t, `replay.tls.readWhy.${why === 'no such file' ? 'noFile' : 'denied'}`, {}, why) : why
    return t('replay.tls.cannotRead', { ...controls, path: read.groups!.path, why: reason })
  }
  const holds = HOLDS.exec(message)
  if (holds !== null) return t('replay.tls.noCertificate', { ...controls, path: holds.groups!.path })
  return undefined
}

/** Whether a replay's error is one the TLS controls fix: it no longer says what a replay would meet once they change. */
export function aboutTls(message: string | undefined): boolean {
  if (message === undefined) return false
  const v = VERIFY.exec(message)
  return (v !== null && FIXES[v.groups!.fix] !== undefined) || CANNOT_READ.test(message) || HOLDS.test(message)
}

/** `error`, unless the TLS controls fix it (see aboutTls). */
export const unlessAboutTls = (error: string | undefined): string | undefined => (aboutTls(error) ? undefined : error)

/** A replay's error in the UI's language: its TLS failures naming the tab's controls, the rest as engineWords says them. */
export function replayWords(message: string, t: Translate): string {
  return replayTlsWords(message, t) ?? engineWords(message, (key, params) => t(key, params))
}
