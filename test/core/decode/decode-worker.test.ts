// The decode worker as built (out/cli/decode-worker.cjs, built by the global setup) decodes
// what decoding on the engine's thread does; should it die, decoding goes on on the thread
// and starts over the connections it held.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolve } from 'node:path'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { Decoding } from '../../../src/core/decode/decoding'
import type { WorkerHost } from '../../../src/core/decode/decoder-host'
import type { ExchangeListPage } from '../../../src/shared/protocol-types'
import type { TestEngine } from '../../helpers/engine'
import { hasProgram, needPeer } from '../../helpers/peers'
import { everyExchange, recordCurlConnections } from './decode-peers'

const WORKER = resolve(__dirname, '../../../out/cli/decode-worker.cjs')

let t: TestEngine
let file: FileCapture

beforeAll(async () => {
  if (!hasProgram('curl')) return
  // The first connection starts with a body that takes several batches to decode.
  t = await recordCurlConnections(8, 24, ['/many-chunks'])
  file = await FileCapture.open(t.capturePath)
})
afterAll(async () => {
  await file?.close()
  await t?.dispose()
})

const everything = (d: Decoding): Promise<ExchangeListPage> => everyExchange(d, file)

describe('the decode worker', () => {
  it('decodes what the engine thread decodes', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const here = new Decoding({ worker: false })
    const there = new Decoding({ workerFile: WORKER })
    expect([here.mode, there.mode]).toEqual(['in-thread', 'worker'])
    const [a, b] = [await everything(here), await everything(there)]
    expect(b.total).toBe(8 * 28)
    expect({ ...b, decoder: undefined }).toEqual({ ...a, decoder: undefined })
    const conn = a.rows[30].connId
    expect(await there.exchanges(file, conn, 0, 100)).toEqual(await here.exchanges(file, conn, 0, 100))
    await Promise.all([here.close(), there.close()])
  })

  it('ends by itself between two messages when closed (exit code 0), not by terminate(), which could stop it inside zlib', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const d = new Decoding({ workerFile: WORKER, workers: 1 })
    // Closed while it decodes: it ends once the message in hand is answered.
    const decoding = everything(d).catch(() => undefined)
    while (d.summary(file, 1) === undefined) await new Promise((r) => setImmediate(r))
    const worker = (d.host() as unknown as { worker: import('node:worker_threads').Worker }).worker
    const exited = new Promise<number>((r) => worker.once('exit', r))
    await d.close()
    expect(await exited).toBe(0)
    await decoding
  })

  it('goes on on the engine thread when the worker dies mid-way, and starts its connections over', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const reference = await everything(new Decoding({ worker: false }))
    const d = new Decoding({ workerFile: WORKER })
    const first = d.exchangePage(file, { offset: 0, limit: 1000, sort: 'conn' })
    // Once some connection has been fed to the worker, it dies.
    while (file.info().connections > 0 && d.summary(file, reference.rows[0].connId) === undefined) await new Promise((r) => setImmediate(r))
    await (d.host() as WorkerHost).crashForTest()
    await first
    const after = await everything(d)
    expect(d.mode).toBe('in-thread')
    expect({ ...after, decoder: undefined }).toEqual({ ...reference, decoder: undefined })
    await d.close()
  })
})
