// Exchanges decoded in full, kept a while per capture: a front end reading an exchange's
// bodies asks for the exchange again for each (its request's, its response's, each window of
// a big one), and `tcpscope show` asks for each body right after listing a page of them.
// Decoded again from the file each time, it is a fresh decoder and several reads a time:
// `show --json` of 100,000 keep-alive exchanges decoded each exchange three times.

import type { HttpExchange } from '../../shared/protocol-types'

/** Exchanges kept per capture, the least lately asked for going first: a page of `show`'s (100) and a view's few fit. */
const KEPT = 128
/**
 * An exchange whose body lists more chunks than this is not kept (decoded again when asked):
 * a list may hold MAX_CHUNK_RANGES, and 128 exchanges of such bodies would keep tens of MiB.
 */
const KEPT_CHUNKS = 256

export class ExchangeDetails {
  private readonly kept = new Map<string, HttpExchange>()

  constructor(private readonly most = KEPT) {}

  /** Exchange `index` of `connId`, when kept. */
  get(connId: number, index: number): HttpExchange | undefined {
    const key = `${connId} ${index}`
    const ex = this.kept.get(key)
    if (ex === undefined) return undefined
    // The most lately asked for last: the first is the one to let go.
    this.kept.delete(key)
    this.kept.set(key, ex)
    return ex
  }

  /** Keeps `ex` (of `connId`) once it is over (a pending one may still grow, and is decoded again when asked); whether it kept it. */
  put(connId: number, ex: HttpExchange): boolean {
    if (ex.state === 'pending' || (ex.request?.body.chunks?.length ?? 0) + (ex.response?.body.chunks?.length ?? 0) > KEPT_CHUNKS) return false
    const key = `${connId} ${ex.index}`
    this.kept.delete(key)
    this.kept.set(key, ex)
    if (this.kept.size > this.most) this.kept.delete(this.kept.keys().next().value!)
    return true
  }
}
