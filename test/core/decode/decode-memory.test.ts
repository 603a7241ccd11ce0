// 100,000 exchanges decoded keep little: the facts of each (ExchangeTable's columns), not
// the exchanges. Recorded through the real proxy (pipelined requests on 200 keep-alive
// connections), then decoded from the closed file; the heap is measured after a GC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { Decoding } from '../../../src/core/decode/decoding'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { connectTo, startServer } from '../../helpers/net'
import { allClosed } from './decode-peers'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const CONNS = 200
const PER_CONN = 500
/** Measured: about 110 bytes an exchange (typed columns, paths interned); the bound leaves room. */
const MAX_BYTES_PER_EXCHANGE = 300

const RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'

let t: TestEngine
let file: FileCapture

beforeAll(async () => {
  t = await testEngine()
  // A server that answers every request it reads (each ends with an empty line).
  const server = await startServer((s) => {
    let tail = ''
    s.on('data', (c: Buffer) => {
      const text = tail + c.toString('latin1')
      const n = text.split('\r\n\r\n').length - 1
      tail = text.slice(text.lastIndexOf('\r\n\r\n') + 4)
      if (n > 0) s.write(RESPONSE.repeat(n))
    })
    s.on('end', () => s.end())
  })
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  for (let batch = 0; batch < CONNS; batch += 20) {
    await Promise.all(
      Array.from({ length: 20 }, async (_, k) => {
        const c = await connectTo(portOf(proxy.listen))
        const id = batch + k
        c.write(Array.from({ length: PER_CONN }, (_, i) => `GET /items/${id}/${i} HTTP/1.1\r\nHost: shop.example\r\n\r\n`).join(''))
        let got = 0
        await new Promise<void>((resolve) =>
          c.on('data', (d: Buffer) => {
            got += d.length
            if (got >= RESPONSE.length * PER_CONN) resolve()
          })
        )
        c.end()
      })
    )
  }
  await allClosed(t.engine, CONNS)
  await server.close()
  await t.engine.close()
  file = await FileCapture.open(t.capturePath)
}, 300_000)
afterAll(async () => {
  await file?.close()
  await t?.dispose()
})

describe('decoding memory', () => {
  it(`keeps under ${MAX_BYTES_PER_EXCHANGE} bytes an exchange for ${CONNS * PER_CONN} exchanges, and pages them quickly`, async () => {
    const decoding = new Decoding({ worker: false })
    await file.allRows()
    gc()
    const before = process.memoryUsage().heapUsed
    const started = performance.now()
    let page = await decoding.exchangePage(file, { offset: 0, limit: 100 })
    while (page.scan) page = await decoding.exchangePage(file, { offset: 0, limit: 100 })
    expect(page.total).toBe(CONNS * PER_CONN)
    console.log(`decoded ${CONNS * PER_CONN} exchanges from the file in ${(performance.now() - started).toFixed(0)} ms (on this thread)`)
    gc()
    const perExchange = (process.memoryUsage().heapUsed - before) / (CONNS * PER_CONN)
    console.log(`decoding memory: ${perExchange.toFixed(0)} bytes an exchange over ${CONNS * PER_CONN} exchanges`)
    expect(perExchange).toBeLessThan(MAX_BYTES_PER_EXCHANGE)
    // The list's queries over all of them (figures for the note; no timing is asserted).
    for (const q of [{ filter: 'path:/items/7/' }, { sort: 'path' as const, descending: true }, { filter: 'status:2xx', sort: 'conn' as const }]) {
      const t0 = performance.now()
      const p = await decoding.exchangePage(file, { offset: 100, limit: 100, ...q })
      console.log(`exchange.page ${JSON.stringify(q)}: ${p.total} rows in ${(performance.now() - t0).toFixed(1)} ms`)
      expect(p.rows.length).toBe(100)
    }
    await decoding.close()
  })
})
