// What a raw connection's messages are, from both sides' first bytes, found as they come:
// decided once a protocol says yes, or once none can tell more (each said no, a side ended,
// or MAX_RECOGNISE_BYTES of a side were seen). Deciding may wait past the moment the
// connection is known to be raw: an inline redis line waits for its server's answer (an
// echo server or IRC's PING is a line of redis's words too), so the decoder keeps being fed
// the first bytes of both sides until then, and the connection's label comes when it is known.

import type { Direction } from '../../../shared/capture-types'
import { concatBytes } from '../../../shared/concat-bytes'
import type { MessageProtocol } from '../../../shared/message-types'
import { NOTHING_MORE } from '../stream-decoder'
import { carriedProtocol, MAX_RECOGNISE_BYTES } from './message-decoders'

export class CarriedProtocol {
  /** The protocol, `null` for none, `undefined` while the first bytes have not told. */
  decided: MessageProtocol | null | undefined
  private readonly first: Record<Direction, Uint8Array[]> = { client: [], server: [] }
  private readonly seen: Record<Direction, number> = { client: 0, server: 0 }

  constructor(
    private readonly port: number | undefined,
    /** Where each side's bytes begin for this decoding. */
    private readonly start: Record<Direction, number>
  ) {}

  /** `bytes` at `offset` of `dir`'s stream: what is next in line is kept; a hole ends the looking. */
  push(dir: Direction, bytes: Uint8Array, offset: number): void {
    if (this.decided !== undefined) return
    const at = this.start[dir] + this.seen[dir]
    if (offset > at) return this.settle(true)
    if (offset + bytes.length <= at) return
    const from = at - offset
    // A copy, of at most MAX_RECOGNISE_BYTES a side: it may wait for the other side's bytes,
    // and a view would keep the whole message it came in alive (or see a reused buffer change).
    const take = bytes.slice(from, from + MAX_RECOGNISE_BYTES - this.seen[dir])
    this.first[dir].push(take)
    this.seen[dir] += take.length
    this.settle(false)
  }

  /** A side ended (or was cut): decide with what there is. */
  end(): void {
    if (this.decided === undefined) this.settle(true)
  }

  wantFrom(dir: Direction): number {
    return this.decided === undefined && this.seen[dir] < MAX_RECOGNISE_BYTES ? this.start[dir] + this.seen[dir] : NOTHING_MORE
  }

  private settle(final: boolean): void {
    this.decided = carriedProtocol(this.joined('client'), this.joined('server'), this.port, final)
    if (this.decided !== undefined) this.first.client = this.first.server = []
  }

  /** A side's first bytes in one array, kept so (they are ours, copied in push): joined once, not at each look. */
  private joined(dir: Direction): Uint8Array {
    const parts = this.first[dir]
    if (parts.length === 1) return parts[0]
    const all = concatBytes(parts)
    this.first[dir] = [all]
    return all
  }
}
