import { afterEach, describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import type { Direction } from '../../../src/shared/capture-types'
import { proxiedPair, testEngine, type TestEngine } from '../../helpers/engine'
import { waitFor } from '../../helpers/net'

let t: TestEngine
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  await t?.dispose()
})

/** What conn.locate answered before it searched: the last data event of `dir` starting at or before `offset`. */
function linearLocate(events: { kind: string; dir?: Direction; offset?: number; length?: number }[], dir: Direction, offset: number, recorded: number): number {
  if (offset >= recorded) return -1
  let found = -1
  events.forEach((e, i) => {
    if (e.kind === 'data' && e.dir === dir && (e.offset ?? 0) <= offset) found = i
  })
  return found
}

describe('conn.locate', () => {
  it('answers as the linear scan did, for every offset of both directions of an interleaved conversation', async () => {
    t = await testEngine()
    const pair = await proxiedPair(t.engine)
    cleanups.push(pair.close)
    const sent: Record<Direction, number> = { client: 0, server: 0 }
    const send = async (s: Socket, dir: Direction, n: number): Promise<void> => {
      s.write(Buffer.alloc(n, dir === 'client' ? 'c' : 's'))
      sent[dir] += n
      // Wait until the capture has it, so each write is a record of its own.
      await waitFor(() => t.engine.capture.connections()[0]?.bytes[dir] === sent[dir], `${dir} bytes`)
    }
    for (let i = 0; i < 12; i++) {
      await send(pair.client, 'client', 3 + i * 7)
      if (i % 3 !== 0) await send(pair.serverSide, 'server', 11 + i)
    }
    const conn = t.engine.capture.connections()[0]
    const { events } = await t.engine['conn.events']({ capture: 'live', connId: conn.id })
    for (const dir of ['client', 'server'] as const) {
      for (let offset = 0; offset <= sent[dir] + 2; offset++) {
        const { index } = await t.engine['conn.locate']({ capture: 'live', connId: conn.id, dir, offset })
        expect(index, `${dir} ${offset}`).toBe(linearLocate(events, dir, offset, sent[dir]))
      }
    }
  })
})
