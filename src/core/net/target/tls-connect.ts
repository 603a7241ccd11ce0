// TLS toward a target (tcpscope is the TLS client): loading what the user named (CA files,
// a client certificate) into one SecureContext, once, before any connect; and the handshake
// step of a connect (connect-target.ts's Attempt runs it over the TCP socket): what goes
// into tls.connect(), how a finished handshake is judged (verified, or why not), and the
// sessions kept for resumption, each with what its first handshake's check found (a resumed
// handshake shows no certificate: its leg records that check instead).
//
// Verification is tcpscope's own, after the handshake (rejectUnauthorized is false): so an
// unverified leg still records the chain it was shown, the failure names the certificate,
// and `--insecure` records why it would have failed (TlsLegFacts.unverified).

import { X509Certificate } from 'node:crypto'
import { isIP, type Socket } from 'node:net'
import { resolve } from 'node:path'
import type * as tls from 'node:tls'
import type { TlsConnectOptions } from '../../../shared/tls-args'
import type { StartTlsProtocol, TlsFailure, TlsLegFacts } from '../../../shared/tls-types'
import type { RecordedConnection } from '../../capture/write/recorded-connection'
import { legFacts } from '../../tls/tls-facts'
import { badKeyPair, PROXY_TLS_FLAGS, upstreamFailure, verifyFailure, verifyReason, type TlsFlagWords } from '../../tls/tls-errors'
import { UserError } from '../net-errors'
import { readSmallFile } from '../../files/read-small-file'
import { nodeTls } from '../../lazy-builtins'

/** TLS toward a target, loaded and ready: what TargetOptions.tls takes. */
export interface TlsConnect {
  /** false (`--insecure`): the chain is not checked; why it would have failed is recorded. */
  verify: boolean
  /** The trusted roots and the client certificate, built once for every connect. */
  context: tls.SecureContext
  /** The name sent (SNI) and verified; default: the target's host name (an IP: none sent, the IP verified). */
  servername?: string
  /** ALPN protocols offered; none when absent. */
  alpn?: string[]
  /** A client certificate is configured (failures word the mTLS case by it). */
  clientCert: boolean
  /** How failures name the flags that fix them. */
  flags: TlsFlagWords
  /** The CA file trusted beside the default roots (`--upstream-ca`): its absolute path and its certificates' SHA-256 fingerprints. */
  caFile?: { path: string; sha256: ReadonlySet<string> }
  /** Said in a failure to verify whose fix is another CA: what became of a CA file trusted without being named (a replay's recorded one). */
  caNote?: string
}

/** One connect's own SNI and ALPN (a proxy mirrors each client's), over the Target's. */
export interface TlsOverride {
  servername?: string
  alpn?: string[]
}

const readUserFile = (flag: string, path: string): Promise<Buffer> => readSmallFile(path, `cannot read ${flag} ${path}`)

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g

/** The certificates of a CA file, PEM (one or many) or a single DER certificate. */
function caCertificates(flag: string, path: string, bytes: Buffer): X509Certificate[] {
  const text = bytes.toString('latin1')
  const blocks = text.match(PEM_CERT) ?? []
  const out: X509Certificate[] = []
  try {
    if (blocks.length === 0) out.push(new X509Certificate(bytes))
    else for (const b of blocks) out.push(new X509Certificate(b))
  } catch {
    const what = blocks.length === 0 ? 'holds no certificate (PEM "-----BEGIN CERTIFICATE-----" or DER)' : 'holds a certificate that cannot be read'
    throw new UserError(`${flag} ${path} ${what}`, 'EBADCERT')
  }
  return out
}

/** The roots a target is verified against by default: Node's (Mozilla's), and the system's where this Node can read them. */
function defaultRoots(): string[] {
  // tls.getCACertificates arrived in Node 22.15; Node 20 has only its bundled roots.
  const get = (nodeTls() as unknown as { getCACertificates?: (which: string) => string[] }).getCACertificates
  if (typeof get !== 'function') return [...nodeTls().rootCertificates]
  try {
    return [...new Set([...get('default'), ...get('system')])]
  } catch {
    return [...nodeTls().rootCertificates]
  }
}

/**
 * Loads TLS options (files read asynchronously) into a TlsConnect. Throws a one-line
 * UserError naming the flag for a file that is missing, unreadable or not a certificate
 * or key, and for a certificate without its key.
 */
export async function loadTlsConnect(opts: TlsConnectOptions, flags: TlsFlagWords = PROXY_TLS_FLAGS): Promise<TlsConnect> {
  if ((opts.cert === undefined) !== (opts.key === undefined)) {
    throw new UserError(`${flags.clientCert} and ${flags.clientKey} go together: give both, or neither`, 'EUSAGE')
  }
  const [caBytes, certBytes, keyBytes] = await Promise.all([
    opts.ca !== undefined ? readUserFile(flags.ca, opts.ca) : undefined,
    opts.cert !== undefined ? readUserFile(flags.clientCert, opts.cert) : undefined,
    opts.key !== undefined ? readUserFile(flags.clientKey, opts.key) : undefined
  ])
  const ctxOpts: tls.SecureContextOptions = {}
  const extra = caBytes !== undefined ? caCertificates(flags.ca, opts.ca!, caBytes) : undefined
  // Passing `ca` replaces the default roots, so an extra CA goes in beside them.
  if (extra !== undefined) ctxOpts.ca = [...defaultRoots(), ...extra.map((c) => c.toString())]
  if (certBytes !== undefined && keyBytes !== undefined) {
    ctxOpts.cert = certBytes
    ctxOpts.key = keyBytes
  }
  let context: tls.SecureContext
  try {
    context = nodeTls().createSecureContext(ctxOpts)
  } catch (err) {
    throw badKeyPair(`${flags.clientCert} ${opts.cert ?? ''}`, `${flags.clientKey} ${opts.key ?? ''}`, err)
  }
  const out: TlsConnect = { verify: opts.verify ?? true, context, clientCert: certBytes !== undefined, flags }
  if (extra !== undefined) out.caFile = { path: resolve(opts.ca!), sha256: new Set(extra.map((c) => c.fingerprint256)) }
  if (opts.sni !== undefined) out.servername = opts.sni
  if (opts.alpn !== undefined && opts.alpn.length > 0) out.alpn = opts.alpn
  return out
}

/** Sessions kept per leg for resumption (one per name); a bound, since every name a proxy meets would add one. */
const MAX_SESSIONS = 256
/**
 * Sessions kept across every leg. Each holds its first handshake's checked chain (FirstCheck,
 * whose SAN lists may be long), and a forward proxy keeps a leg for each of 256 destinations
 * (tunnel-tls.ts LEGS_KEPT): 256 sessions each would be 65,536.
 */
const MAX_SESSIONS_KEPT = 4096

/**
 * What a full handshake's check of the target found, once judged and let through: the chain
 * it was shown, the CA file that verified it, or why it would not have verified (`--insecure`).
 * A resumed handshake shows no certificate (OpenSSL keeps only the verdict with the session),
 * so a leg that resumes the session records these, and a curl export of it gets its --cacert.
 */
type FirstCheck = Pick<TlsLegFacts, 'chain' | 'caFile' | 'unverified'>

function firstCheck(facts: TlsLegFacts): FirstCheck {
  const check: FirstCheck = {}
  if (facts.chain !== undefined) check.chain = facts.chain
  if (facts.caFile !== undefined) check.caFile = facts.caFile
  if (facts.unverified !== undefined) check.unverified = facts.unverified
  return check
}

/** One connect's handshake, from start() to judge() and after (TLS 1.3 sessions come after it). */
interface Handshake {
  /** The name its sessions are kept under. */
  name: string
  offered?: KeptSession
  /** Let through, with the check its sessions carry; or refused, and then none of its sessions is kept. */
  verdict?: { check: FirstCheck } | 'refused'
  /** A session that came before the verdict (TLS 1.2), kept only once the handshake is let through. */
  early?: Buffer
}

/** A session kept for resumption, with the check of the full handshake that first got it. */
export interface KeptSession {
  session: Buffer
  check: FirstCheck
}

/** One leg's sessions, by name. */
export type LegSessions = Map<string, KeptSession>

/** The sessions every leg keeps: each leg's bounded, and all of them together, oldest out. */
export class SessionStore {
  /** Every kept session, oldest first, with where it is kept. */
  private readonly order = new Map<KeptSession, { leg: LegSessions; name: string }>()

  constructor(
    private readonly limit = MAX_SESSIONS_KEPT,
    private readonly perLeg = MAX_SESSIONS
  ) {}

  get size(): number {
    return this.order.size
  }

  /** `kept` is `leg`'s session for `name`, in place of the one before. */
  keep(leg: LegSessions, name: string, kept: KeptSession): void {
    this.drop(leg, name)
    if (leg.size >= this.perLeg) this.drop(leg, leg.keys().next().value!)
    if (this.order.size >= this.limit) {
      const oldest = this.order.values().next().value!
      this.drop(oldest.leg, oldest.name)
    }
    leg.set(name, kept)
    this.order.set(kept, { leg, name })
  }

  private drop(leg: LegSessions, name: string): void {
    const kept = leg.get(name)
    if (kept === undefined) return
    leg.delete(name)
    this.order.delete(kept)
  }
}

/** Where every leg keeps its sessions, unless given another (tests). */
const SESSIONS = new SessionStore()

/** A Target's TLS: its loaded options, and the sessions its connects resume. */
export class TlsLeg {
  private readonly sessions: LegSessions = new Map()
  /** Each socket's handshake. */
  private readonly handshakes = new WeakMap<tls.TLSSocket, Handshake>()

  constructor(
    readonly opts: TlsConnect,
    /** The target's host (a name or an IP), or undefined for a Unix socket. */
    private readonly host: string | undefined,
    private readonly store: SessionStore = SESSIONS
  ) {}

  /** The name sent as SNI: the override's, the configured one, or the target's host name (never an IP: RFC 6066 forbids it). */
  servername(override: TlsOverride | undefined): string | undefined {
    const name = override?.servername ?? this.opts.servername ?? this.host
    return name !== undefined && isIP(name) === 0 && name !== '' ? name : undefined
  }

  /** Starts the handshake over `raw` (connected or still connecting: it begins once TCP is up). */
  start(raw: Socket, override: TlsOverride | undefined): { socket: tls.TLSSocket; servername: string | undefined } {
    const servername = this.servername(override)
    const alpn = override?.alpn ?? this.opts.alpn
    const key = servername ?? this.host ?? ''
    const o: tls.ConnectionOptions & { allowHalfOpen: boolean } = {
      socket: raw,
      secureContext: this.opts.context,
      rejectUnauthorized: false,
      // Node's tls.connect passes it to the TLSSocket (its types leave it out): a FIN from the target leaves the write side open.
      allowHalfOpen: true,
      // What the certificate is checked against when no name is sent: the IP connected to.
      host: servername ?? this.host
    }
    if (servername !== undefined) o.servername = servername
    if (alpn !== undefined && alpn.length > 0) o.ALPNProtocols = alpn
    const handshake: Handshake = { name: key }
    // Only a session whose first handshake was let through (none other is kept): Node checks the name on a full
    // handshake only, so a refused target would pass on its next connect.
    const kept = this.sessions.get(key)
    if (kept !== undefined) {
      o.session = kept.session
      handshake.offered = kept
    }
    const socket = nodeTls().connect(o)
    this.handshakes.set(socket, handshake)
    socket.on('session', (s: Buffer) => {
      // A TLS 1.2 session comes before the verdict; a TLS 1.3 one after, a refused handshake's included.
      if (handshake.verdict === undefined) handshake.early = s
      else if (handshake.verdict !== 'refused') this.store.keep(this.sessions, key, { session: s, check: handshake.verdict.check })
    })
    return { socket, servername }
  }

  /** A finished handshake judged: its facts, or (verification on, and it failed) the failure. */
  judge(socket: tls.TLSSocket, servername: string | undefined, where: string): { facts: TlsLegFacts } | { failure: TlsFailure } {
    const facts = legFacts(socket, 'server', servername, true)
    const handshake = this.handshakes.get(socket) ?? { name: '' }
    const first = facts.resumed === true ? handshake.offered?.check : undefined
    handshake.offered = undefined
    let outcome: { facts: TlsLegFacts } | { failure: TlsFailure }
    let check: FirstCheck | undefined
    // Resumed: the session's first check stands (OpenSSL resumes its verdict too, and no certificate is shown to check again).
    if (first !== undefined && (socket.authorized || !this.opts.verify)) {
      outcome = { facts: Object.assign(facts, first, { chainFromSession: true }) }
      check = first
    } else {
      outcome = this.check(socket, facts, servername, where)
      if ('facts' in outcome) check = firstCheck(facts)
    }
    handshake.verdict = check !== undefined ? { check } : 'refused'
    if (check !== undefined && handshake.early !== undefined) this.store.keep(this.sessions, handshake.name, { session: handshake.early, check })
    handshake.early = undefined
    return outcome
  }

  /** A full handshake's chain checked: verified (and through which CA file), or why not. */
  private check(socket: tls.TLSSocket, facts: TlsLegFacts, servername: string | undefined, where: string): { facts: TlsLegFacts } | { failure: TlsFailure } {
    if (socket.authorized) {
      // Verified through the CA file (its certificate is in the chain, as Node completes it to the root): whoever
      // verifies this server again (a curl export's --cacert) needs that file, not the default roots.
      const ca = this.opts.caFile
      if (ca !== undefined && facts.chain?.some((c) => ca.sha256.has(c.sha256))) facts.caFile = ca.path
      return { facts }
    }
    const code = String(socket.authorizationError ?? 'UNABLE_TO_VERIFY')
    if (this.opts.verify) return { failure: verifyFailure(code, where, facts.chain, servername ?? this.host, this.opts.flags, this.opts.caNote) }
    facts.unverified = verifyReason(code, facts.chain, servername ?? this.host)
    return { facts }
  }

  /** A handshake that ended in an error (not verification). */
  failure(err: unknown, where: string): TlsFailure {
    return upstreamFailure(err, { where, flags: this.opts.flags, clientCert: this.opts.clientCert })
  }
}

/** An error of a TLS socket that is the TLS layer's (an alert, a protocol error), not the TCP connection's. */
export function isTlsError(err: NodeJS.ErrnoException): boolean {
  return typeof err.code === 'string' && (err.code.startsWith('ERR_SSL_') || err.code.startsWith('ERR_TLS_'))
}

/** What secureOver needs beyond the leg: where the outcome is recorded, the target's name in messages, this connect's SNI and ALPN. */
export interface SecureOverOptions extends TlsOverride {
  rec: RecordedConnection
  /** The target as people typed it (messages name it). */
  where: string
  /** The handshake must finish within this long. */
  timeoutMs: number
  /** TLS starts midway, after this protocol's opening (recorded with the leg). */
  starttls?: StartTlsProtocol
}

/**
 * The target's leg secured over a TCP connection that is up already (a forward proxy's
 * tunnel, or a connection whose opening was in the clear: STARTTLS): judged as every
 * target's TLS is, its `tls` record written (facts, or the failure with its one line).
 * Resolves with the TLSSocket, or undefined once the failure is recorded (the socket is then
 * closed). Never rejects.
 */
export function secureOver(leg: TlsLeg, raw: Socket, opts: SecureOverOptions): Promise<tls.TLSSocket | undefined> {
  const { rec, where, timeoutMs: ms } = opts
  return new Promise((resolve) => {
    const { socket, servername } = leg.start(raw, { servername: opts.servername, alpn: opts.alpn })
    let settled = false
    const fail = (f: TlsFailure): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      rec.event('tls', 'server', { ok: false, ...f })
      // Not in this turn: destroyed from its own 'secureConnect', Node 20 leaves the TCP connection
      // open (and a destroy of the TCP socket under it then crashes the process); one turn later both close.
      setImmediate(() => socket.destroy())
      resolve(undefined)
    }
    const timer = setTimeout(() => fail({ side: 'server', code: 'ETIMEDOUT', message: `${where} did not finish the TLS handshake within ${ms} ms` }), ms)
    timer.unref()
    // Stays for the socket's life: after the hand-over the caller listens too.
    socket.on('error', (err: NodeJS.ErrnoException) => fail(leg.failure(err, where)))
    socket.once('secureConnect', () => {
      if (settled) return
      const outcome = leg.judge(socket, servername, where)
      if ('failure' in outcome) return fail(outcome.failure)
      settled = true
      clearTimeout(timer)
      const facts = opts.starttls !== undefined ? { ...outcome.facts, starttls: opts.starttls } : outcome.facts
      rec.event('tls', 'server', { ok: true, ...facts })
      resolve(socket)
    })
  })
}
