// A forwarding worker's capture (batch-recorder.ts): records go out in batches, each
// connection's in order with its bytes in one moved buffer, and the worker's connections
// are held while the capture writer holds or too much waits for the main thread.
import { describe, expect, it } from 'vitest'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { BatchRecorder } from '../../../../src/core/proxy/workers/batch-recorder'
import type { FromWorker } from '../../../../src/core/proxy/workers/worker-messages'

function recorder(held = false): { rec: BatchRecorder; sent: Extract<FromWorker, { type: 'batch' }>[]; ids: Int32Array } {
  const ids = new Int32Array(new SharedArrayBuffer(4))
  const sent: Extract<FromWorker, { type: 'batch' }>[] = []
  const rec = new BatchRecorder(ids.buffer as SharedArrayBuffer, performance.timeOrigin + performance.now(), held, (msg) => {
    if (msg.type === 'batch') sent.push(msg)
  })
  return { rec, sent, ids }
}

describe('a forwarding worker’s batch recorder', () => {
  it('numbers connections from the shared counter and sends their records in order, bytes in one buffer', async () => {
    const { rec, sent, ids } = recorder()
    Atomics.store(ids, 0, 41) // the main thread took 41 ids already
    const conn = rec.openConnection({ kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:9' })
    expect(conn.id).toBe(42)
    conn.data('client', Buffer.from('hello '))
    conn.data('server', Buffer.from('world'))
    conn.event('fin', 'client')
    conn.close('closed')
    await nextTurn()
    expect(sent).toHaveLength(1)
    const [batch] = sent
    expect(batch.ops.map((o) => [o.op, o.op === 'open' ? 0 : o.seq])).toEqual([
      ['open', 0],
      ['data', 1],
      ['data', 2],
      ['event', 3],
      ['event', 4]
    ])
    expect(Buffer.from(batch.bytes).toString()).toBe('hello world')
    expect(batch.ops.at(-1)).toMatchObject({ kind: 'close', info: { end: 'closed', bytes: { client: 6, server: 5 } } })
  })

  it('holds its connections past 16 MiB not yet applied by the main thread, and while the capture writer holds', () => {
    const { rec, sent } = recorder()
    const conn = rec.openConnection({ kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:9' })
    const chunk = Buffer.alloc(256 * 1024)
    // Each 256 KiB goes at once as a batch of its own.
    for (let i = 0; i < 64; i++) conn.data('client', chunk)
    expect(rec.hold.held).toBe(false)
    conn.data('client', chunk)
    expect(rec.hold.held).toBe(true)
    for (const b of sent) rec.acked(b.bytes.byteLength)
    expect(rec.hold.held).toBe(false)
    rec.setMainHeld(true)
    expect(rec.hold.held).toBe(true)
    rec.setMainHeld(false)
    expect(rec.hold.held).toBe(false)
  })
})
