// Whether a connection under breakpoints speaks HTTP/2, and its two directions if it does. The
// client's first bytes decide: the connection preface (`PRI * HTTP/2.0`, with prior knowledge
// or after TLS with ALPN h2, since the stage sees cleartext) makes it HTTP/2, anything else
// HTTP/1 (break-direction.ts goes on as before). The server may speak first (its SETTINGS):
// what it sends meanwhile goes on at once and is read for its settings, up to a bound.
//
// Only a connection that starts while its proxy has a breakpoint is read as HTTP/2: HPACK
// cannot be joined in the middle, so one that was open before is let through as it comes.
// `Upgrade: h2c` (HTTP/2 after an HTTP/1.1 101) is not followed: its HTTP/2 part is let through.

import { CLIENT_PREFACE } from '../../protocols/http2/frame-reader'
import type { Direction } from '../../../shared/direction'
import type { BreakEntry, BreakRegistry } from '../break-registry'
import type { MessageHead } from '../break-match'
import type { HeldQueue } from '../held-queue'
import { H2Side } from './h2-side'

/** What an HTTP/2 direction asks of its break direction: its rules, and a say in pausing its sender. */
export interface H2Host {
  httpRule(head: MessageHead): BreakEntry | undefined
  h2Pause(paused: boolean): void
}

/** The server's bytes read before the client's first ones at most; more, and the connection is not read as HTTP/2. */
const MAX_SERVER_FIRST = 64 * 1024

export class H2Conversation {
  state: 'unknown' | 'h2' | 'not' = 'unknown'
  readonly client: H2Side
  readonly server: H2Side
  private probe: Buffer[] = []
  private probeStart = 0
  private probeLength = 0
  private serverFirst = 0

  constructor(connId: number, queue: HeldQueue, registry: BreakRegistry, host: (dir: Direction) => H2Host) {
    const side = (dir: Direction): H2Side =>
      new H2Side(dir, { connId, queue, registry, rule: (head) => host(dir).httpRule(head), pause: (paused) => host(dir).h2Pause(paused) })
    this.client = side('client')
    this.server = side('server')
    this.client.other = this.server
    this.server.other = this.client
  }

  side(dir: Direction): H2Side {
    return dir === 'client' ? this.client : this.server
  }

  /**
   * The client's bytes while undecided: undefined while they may still become the preface
   * (kept here), else everything kept and this chunk, from where it starts, for the path
   * decided. `reading` says whether the proxy has breakpoints now.
   */
  clientProbe(chunk: Buffer, offset: number, reading: boolean): { bytes: Buffer; offset: number } | undefined {
    if (this.probeLength === 0) this.probeStart = offset
    this.probe.push(chunk)
    this.probeLength += chunk.length
    const have = this.probe.length === 1 ? chunk : Buffer.concat(this.probe, this.probeLength)
    const n = Math.min(have.length, CLIENT_PREFACE.length)
    const prefix = have.subarray(0, n).equals(CLIENT_PREFACE.subarray(0, n))
    if (prefix && n < CLIENT_PREFACE.length) {
      this.probe = [have]
      return undefined
    }
    this.state = prefix && reading ? 'h2' : 'not'
    return this.release(have)
  }

  /** The client's FIN (or the end) while undecided: what was kept goes the HTTP/1 way. */
  clientGiveUp(): { bytes: Buffer; offset: number } | undefined {
    if (this.state !== 'unknown') return undefined
    this.state = 'not'
    return this.probeLength > 0 ? this.release(Buffer.concat(this.probe, this.probeLength)) : undefined
  }

  /** The server's bytes before the client decided: already on their way; read for its settings. */
  serverObserve(chunk: Buffer, offset: number): void {
    this.serverFirst += chunk.length
    if (this.serverFirst > MAX_SERVER_FIRST) this.state = 'not'
    else this.server.observe(chunk, offset)
  }

  private release(bytes: Buffer): { bytes: Buffer; offset: number } {
    const out = { bytes, offset: this.probeStart }
    this.probe = []
    this.probeLength = 0
    return out
  }
}
