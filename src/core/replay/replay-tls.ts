// A replay's TLS: a connection whose target spoke TLS is replayed over TLS, as the same
// name (the SNI it recorded) and the same application protocol (the ALPN it settled on),
// verified unless told otherwise, and trusting what the recording trusted: the CA file its
// leg was verified through (TlsLegFacts.caFile, the proxy's or session's `--upstream-ca`),
// unless the replay names a CA file of its own. What a connection recorded comes from a
// capture file, so it is checked before it goes into a handshake: the CA file's path is
// looked at before anything opens it, and one that cannot be used is said in the failure
// to verify, not thrown (the target may verify against the system's roots alone).

import { stat } from 'node:fs/promises'
import type { ConnectionSummary } from '../../shared/capture-types'
import type { ReplayCaFile } from '../../shared/replay-types'
import { targetSpokeTls } from '../../shared/replay-tls'
import type { ReplayTlsOptions } from '../../shared/tls-args'
import { specialKind } from '../files/file-target'
import { UserError } from '../net/net-errors'
import { loadTlsConnect, type TlsConnect } from '../net/target/connect-target'
import type { TlsFlagWords } from '../tls/tls-errors'

/** `tcpscope replay`'s flags, as failures name them. */
export const REPLAY_TLS_FLAGS: TlsFlagWords = {
  ca: '--upstream-ca',
  insecure: '--insecure',
  sni: '--sni',
  clientCert: '--client-cert',
  clientKey: '--client-key',
  tls: '--tls',
  plain: 'replay with --no-tls'
}

/** A replay command's TLS options, loaded once for all its connections. */
export interface ReplayTls {
  opts: ReplayTlsOptions
  /** The files named, loaded; undefined with `enabled: false` (nothing is replayed over TLS). */
  loaded: TlsConnect | undefined
  /** The CA files the replayed connections recorded, each loaded once (a whole capture's connections share one). */
  recorded: Map<string, Promise<RecordedCa>>
}

/** A recorded CA file, loaded into the replay's options; or why it cannot be used (said in a failure to verify). */
type RecordedCa = { connect: TlsConnect } | { unusable: string }

export async function loadReplayTls(opts: ReplayTlsOptions = {}): Promise<ReplayTls> {
  const recorded = new Map<string, Promise<RecordedCa>>()
  if (opts.enabled === false) return { opts, loaded: undefined, recorded }
  const connect = { verify: opts.verify, ca: opts.ca, sni: opts.sni, cert: opts.cert, key: opts.key }
  return { opts, loaded: await loadTlsConnect(connect, REPLAY_TLS_FLAGS), recorded }
}

const RECORDED = 'the CA file the capture recorded'

/** Why a recorded CA file cannot be used, by the code of what refused it (stat, or loadTlsConnect's one-line errors). */
const UNUSABLE: Record<string, string> = {
  ENOENT: 'it is not there',
  ENOTDIR: 'it is not there',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EBADCERT: 'it holds no certificate tcpscope can read',
  EINVAL: 'it is too large for a CA file'
}

const unusable = (path: string, why: string): RecordedCa => ({ unusable: `${RECORDED}, ${path}, cannot be used: ${why}` })

/** The replay's options with the recorded CA file `path` trusted too (its client certificate, if any, read again with it). */
async function loadRecordedCa(opts: ReplayTlsOptions, path: string): Promise<RecordedCa> {
  // A capture may come from anyone, and so may the path it records: a FIFO would hold an
  // open until a writer came, and opening a device can act on it. stat only looks, off the
  // engine's thread, and only a regular file is read (readSmallFile then opens it
  // non-blocking, and checks again what it opened).
  try {
    const st = await stat(path)
    if (!st.isFile()) return unusable(path, `it is ${specialKind(st) ?? 'a folder'}, not a file`)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    return unusable(path, UNUSABLE[code] ?? (err as Error).message.split('\n')[0])
  }
  try {
    const connect = await loadTlsConnect({ verify: true, ca: path, sni: opts.sni, cert: opts.cert, key: opts.key }, REPLAY_TLS_FLAGS)
    return { connect: { ...connect, caNote: `${RECORDED}, ${path}, does not verify it either` } }
  } catch (err) {
    if (!(err instanceof UserError)) throw err
    return unusable(path, UNUSABLE[err.code] ?? err.message)
  }
}

/**
 * Whether the connection's client spoke TLS to tcpscope (a proxy or server session that
 * terminated it): a recorded server (replay.serve) then answers its clients in TLS too.
 */
export function clientSpokeTls(conn: Pick<ConnectionSummary, 'tls'> | undefined): boolean {
  const t = conn?.tls
  return t !== undefined && (t.client !== undefined || t.failure?.side === 'client')
}

/** A DNS name a handshake can send (RFC 1123 labels; no IP, which SNI may not carry). */
export const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/

const usableName = (name: string | undefined): string | undefined => (name !== undefined && HOST_NAME.test(name) && !/^[0-9.]+$/.test(name) ? name : undefined)

const usableAlpn = (alpn: string | undefined): string[] | undefined => (alpn !== undefined && alpn.length > 0 && Buffer.byteLength(alpn) <= 255 ? [alpn] : undefined)

/** How a connection is replayed over TLS: the options, and the CA file they trust besides the system's roots. */
export interface ReplayTlsLeg {
  connect: TlsConnect
  caFile?: ReplayCaFile
}

/**
 * The CA file the options trust: the one the replay named; else, verifying, the one the
 * connection recorded (loaded once per replay); else none. A recorded one that cannot be
 * used leaves the system's roots, and a failure to verify says why it was not used.
 */
async function trusted(tls: ReplayTls, loaded: TlsConnect, conn: Pick<ConnectionSummary, 'tls'>): Promise<ReplayTlsLeg> {
  if (loaded.caFile !== undefined) return { connect: loaded, caFile: { path: loaded.caFile.path, recorded: false } }
  const path = conn.tls?.server?.caFile
  if (path === undefined || !loaded.verify) return { connect: loaded }
  let pending = tls.recorded.get(path)
  if (pending === undefined) tls.recorded.set(path, (pending = loadRecordedCa(tls.opts, path)))
  const ca = await pending
  if ('unusable' in ca) return { connect: { ...loaded, caNote: ca.unusable } }
  return { connect: ca.connect, caFile: { path, recorded: true } }
}

/** The TLS to replay `conn` with, or undefined for plain TCP. */
export async function replayTlsFor(tls: ReplayTls, conn: Pick<ConnectionSummary, 'kind' | 'tls'>): Promise<ReplayTlsLeg | undefined> {
  const { opts, loaded } = tls
  if (loaded === undefined || (opts.enabled !== true && !targetSpokeTls(conn))) return undefined
  const leg = await trusted(tls, loaded, conn)
  const out: TlsConnect = { ...leg.connect }
  // The server leg's SNI is the name the target was asked for; a server session's client leg's is the one it was asked for.
  const name = opts.sni ?? usableName(conn.tls?.server?.sni ?? conn.tls?.sni)
  if (name !== undefined) out.servername = name
  // The recorded bytes speak that protocol (h2's preface, say): the target must be asked for it.
  const alpn = usableAlpn(conn.tls?.server?.alpn ?? conn.tls?.alpn)
  if (alpn !== undefined) out.alpn = alpn
  return { ...leg, connect: out }
}
