// A recorded server's script turn by turn: each turn's answer goes out once the client has
// sent as many bytes as the recorded client did (or the turn timeout passed); what the
// client sent is compared with the recording by length and hash. Bytes go to the turn being
// played until it has its recorded length, then on to the next turns (a client may send
// ahead); the last turn takes any surplus.

import { createHash, type Hash } from 'node:crypto'
import type { Socket } from 'node:net'
import type { RecordedClientReport } from '../../shared/replay-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { PlayedClient } from './played-client'
import { RangeHashes } from './recorded-bytes'
import type { ReplayPlan } from './replay-plan'
import type { ClientScript } from './recorded-script'

interface ClientTurn {
  received: number
  /** Made on the turn's first byte: a long conversation costs no hash per turn not yet reached. */
  hash?: Hash
}

/** What one client sent, per turn. */
class TurnFeed {
  readonly got: ClientTurn[]
  /** The turn being played. */
  turn = 0

  constructor(private readonly expected: number[]) {
    this.got = expected.map(() => ({ received: 0 }))
  }

  feed(chunk: Buffer): void {
    let rest = chunk
    const last = this.got.length - 1
    while (rest.length > 0) {
      while (this.turn < last && this.got[this.turn].received >= this.expected[this.turn]) this.turn++
      const t = this.got[this.turn]
      const part = this.turn < last ? rest.subarray(0, this.expected[this.turn] - t.received) : rest
      t.received += part.length
      t.hash ??= createHash('sha256')
      t.hash.update(part)
      rest = rest.subarray(part.length)
    }
  }
}

export class TurnScript implements ClientScript {
  /** The recorded client turns' hashes, read once for all clients. */
  private readonly hashes: RangeHashes

  constructor(
    private readonly view: CaptureView,
    private readonly connId: number,
    private readonly plan: ReplayPlan,
    private readonly reset: boolean,
    private readonly timeoutMs: number
  ) {
    this.hashes = new RangeHashes(view, connId, 'client')
  }

  get size(): number {
    return this.plan.turns.length
  }

  refused(client: string, error: string): RecordedClientReport {
    return { client, played: 0, of: this.plan.turns.length, turns: [], matched: false, error }
  }

  async play(socket: Socket, name: string): Promise<RecordedClientReport> {
    const turns = this.plan.turns
    const f = new TurnFeed(turns.map((t) => t.client.length))
    const c = new PlayedClient(socket, (chunk) => f.feed(chunk))
    let played = 0
    let error: string | undefined
    try {
      for (let i = 0; i < turns.length && c.open; i++) {
        f.turn = Math.max(f.turn, i)
        const want = turns[i].client.length
        await c.wait(() => f.got[i].received >= want || c.clientEnded, this.timeoutMs)
        if (!(await c.send(this.view, this.connId, turns[i].server))) break
        played++
      }
      if (played === turns.length) await c.endAsRecorded(this.plan, this.reset)
    } catch (err) {
      error = (err as Error).message
      c.socket.destroy()
    }
    await c.closed
    return this.report(f, name, played, error)
  }

  private async report(f: TurnFeed, client: string, played: number, error: string | undefined): Promise<RecordedClientReport> {
    const turns = await Promise.all(
      this.plan.turns.map(async (t, index) => {
        const got = f.got[index]
        const expected = t.client.length
        let matched = got.received === expected
        if (matched && expected > 0) matched = (await this.hashes.of(index, t.client).catch(() => '')) === got.hash?.digest('hex')
        return { index, expected, received: got.received, matched }
      })
    )
    const r: RecordedClientReport = { client, played, of: turns.length, turns, matched: turns.every((t) => t.matched) }
    if (error !== undefined) r.error = error
    return r
  }
}
