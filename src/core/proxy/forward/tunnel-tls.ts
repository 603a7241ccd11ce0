// TLS interception inside a forward proxy's tunnel: the destination's leg first (tcpscope
// is the TLS client, over the TCP connection the tunnel already has: the client's SNI and
// ALPN mirrored, verified against the system's roots plus `--upstream-ca` unless
// `--insecure`, judged and recorded by tls-connect.ts's TlsLeg as every target's TLS is),
// then the client's leg (tls-accept.ts: a leaf from tcpscope's CA for the client's SNI, or
// for the destination's host or IP when it sent none, answering with the ALPN the
// destination settled on). Either failing is recorded as its leg's `tls` failure and the
// tunnel closes cleanly.
//
// A destination that is down, with rules that answer for it (target-down.ts), has no leg to
// secure: the client's alone is, with a leaf as above, and as its ALPN h2 when the client
// offers it, else HTTP/1.1 when it offers that (else none, and the client speaks what it
// would without ALPN): the rules of either answer for a target that is down (HTTP/1:
// http-response-side.ts targetDown; HTTP/2: h2-target-down.ts).

import type { Socket } from 'node:net'
import { secureOver, TlsLeg, type TlsConnect } from '../../net/target/tls-connect'
import type { CaSource } from '../../tls/ca-commands'
import { TlsAcceptError, acceptTls } from '../../tls/tls-accept'
import { authorityText } from './http-proxy-request'
import type { InterceptJob, TunnelInterceptor } from './tunnel-host'

export interface InterceptorOptions {
  ca: CaSource
  /** Upstream TLS (verification, extra roots, a client certificate), loaded once. */
  upstream: TlsConnect
  /** Each leg's handshake must finish within this long. */
  timeoutMs: number
}

/** Destinations whose TLS sessions are kept for resumption. */
const LEGS_KEPT = 256
/** What the client's leg answers with when there is no destination's to mirror (see above), first the one taken. */
const DOWN_ALPN = ['h2', 'http/1.1']

export function tunnelInterceptor(opts: InterceptorOptions): TunnelInterceptor {
  const legs = new Map<string, TlsLeg>()
  const legFor = (host: string, port: number): TlsLeg => {
    const key = authorityText({ host, port }).toLowerCase()
    let leg = legs.get(key)
    if (leg !== undefined) legs.delete(key)
    else {
      leg = new TlsLeg(opts.upstream, host)
      if (legs.size >= LEGS_KEPT) legs.delete(legs.keys().next().value!)
    }
    legs.set(key, leg)
    return leg
  }

  /** The client's leg, answering with `alpn`; undefined once its failure is recorded. */
  const secureClient = async (job: InterceptJob, alpn: string[] | undefined): Promise<Socket | undefined> => {
    const ca = await opts.ca()
    const context = await ca.leafContext(job.sni ?? job.dest.host)
    try {
      return await acceptTls(job.client, { head: job.hello, context, alpn, leafFromCa: true, record: job.rec, timeoutMs: opts.timeoutMs, starttls: job.starttls })
    } catch (err) {
      if (err instanceof TlsAcceptError) return undefined
      throw err
    }
  }

  return async (job: InterceptJob) => {
    if (job.upstream === undefined) {
      const client = await secureClient(job, DOWN_ALPN)
      return client === undefined ? undefined : { client }
    }
    // The destination first: the client is answered with the ALPN it settled on.
    const upstream = await secureOver(legFor(job.dest.host, job.dest.port), job.upstream, { rec: job.rec, where: job.where, servername: job.sni, alpn: job.alpn, timeoutMs: opts.timeoutMs, starttls: job.starttls })
    if (upstream === undefined) return undefined
    if (job.gone()) {
      upstream.destroy()
      return undefined
    }
    const alpn = typeof upstream.alpnProtocol === 'string' && upstream.alpnProtocol !== '' ? [upstream.alpnProtocol] : undefined
    let client: Socket | undefined
    try {
      client = await secureClient(job, alpn)
    } finally {
      if (client === undefined) upstream.destroy()
    }
    return client === undefined ? undefined : { client, upstream }
  }
}
