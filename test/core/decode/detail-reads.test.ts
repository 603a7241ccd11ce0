// A detail (one exchange in full, one body) of a connection interleaved with others reads
// about what it shows from the capture, not a full batch of the connection's records and
// the spans of file they lie in (readStats counts every read of the process).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CaptureReader, readStats } from '../../../src/core/capture/read/capture-reader'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { testEngine } from '../../helpers/engine'
import { behindProxy } from '../../helpers/behind-proxy'
import { collect, connectTo } from '../../helpers/net'

const KiB = 1024
const EXCHANGES = 300

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('reading one exchange of a long interleaved connection', () => {
  it('reads a few KiB of the file for a body, whichever exchange it is', async () => {
    const body = 'x'.repeat(1000)
    const { t, port, close } = await behindProxy((req, res) => res.end(`${req.url} ${body}`))
    cleanups.push(close)
    // Two keep-alive connections taking turns: each one's records lie between the other's.
    const sockets = [await connectTo(port), await connectTo(port)]
    const answers = sockets.map((s) => collect(s))
    for (let i = 0; i < EXCHANGES; i++) {
      for (const [k, s] of sockets.entries()) {
        const before = s.bytesRead
        s.write(`GET /c${k}/${i} HTTP/1.1\r\nHost: t\r\n\r\n`)
        while (s.bytesRead - before < body.length) await new Promise((r) => setImmediate(r))
      }
    }
    for (const s of sockets) s.end()
    await Promise.all(answers)
    while (t.engine.capture.connections().some((c) => c.end === 'open')) await new Promise((r) => setTimeout(r, 10))
    const path = t.capturePath
    const connId = t.engine.capture.connections()[0].id
    await t.engine.close()

    const second = await testEngine()
    cleanups.push(() => second.dispose())
    const opened = await second.engine['capture.open']({ path })
    let list = await second.engine['exchange.page']({ capture: opened.id, offset: 0, limit: 1 })
    while (list.scan) list = await second.engine['exchange.page']({ capture: opened.id, offset: 0, limit: 1 })
    expect(list.total).toBe(2 * EXCHANGES)
    for (const exchange of [0, 150, EXCHANGES - 1]) {
      const before = readStats.bytes
      const got = await second.engine['http.body']({ capture: opened.id, connId, exchange, part: 'response', offset: 0, length: 64 * KiB })
      expect(Buffer.from(got.bytes).toString()).toBe(`/c0/${exchange} ${body}`)
      // The exchange's request and response are about 1.2 KiB of records: a first batch of a
      // few records (and the other connection's between them) is read, not 256 KiB of them.
      expect(readStats.bytes - before, `exchange ${exchange}`).toBeLessThan(32 * KiB)
    }
    // Asked again (another window of it, as a view or `show` reads a body), and asked right
    // after its page was listed: the exchange is kept, not decoded again, and only the body's
    // own record is read.
    const readFor = async (ask: () => Promise<unknown>): Promise<number> => {
      const before = readStats.bytes
      await ask()
      return readStats.bytes - before
    }
    const again = await readFor(() => second.engine['http.body']({ capture: opened.id, connId, exchange: 150, part: 'response', offset: 10, length: 100 }))
    await second.engine['http.exchanges']({ capture: opened.id, connId, from: 200, limit: 10 })
    const listed = await readFor(() => second.engine['http.body']({ capture: opened.id, connId, exchange: 205, part: 'response', offset: 0, length: 64 * KiB }))
    expect(again).toBeLessThan(2 * KiB)
    expect(listed).toBeLessThan(2 * KiB)
  })

  it("reads a call's records lying far apart in the file together, not one after another, and a range of its bytes so too", async () => {
    // One connection's small exchanges with another's 100 KiB answers between them: each of
    // its records is a read of its own, the others' bytes between being more than a read joins.
    const big = 'y'.repeat(100 * KiB)
    const { t, port, close } = await behindProxy((req, res) => res.end(req.url === '/big' ? big : 'small'))
    cleanups.push(close)
    const [small, large] = [await connectTo(port), await connectTo(port)]
    const answers = [collect(small), collect(large)]
    for (let i = 0; i < 6; i++) {
      for (const [s, path, size] of [[small, '/small', 5], [large, '/big', big.length]] as const) {
        const before = s.bytesRead
        s.write(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`)
        while (s.bytesRead - before < size) await new Promise((r) => setImmediate(r))
      }
    }
    small.end()
    large.end()
    await Promise.all(answers)
    while (t.engine.capture.connections().some((c) => c.end === 'open')) await new Promise((r) => setTimeout(r, 10))
    const connId = t.engine.capture.connections()[0].id
    await t.engine.close()
    const file = await FileCapture.open(t.capturePath)
    cleanups.push(() => file.close())
    // The reads under way at once, counted where the reader reads a span.
    let inFlight = 0
    let most = 0
    const readSpan = CaptureReader.prototype.readSpan
    const spied = vi.spyOn(CaptureReader.prototype, 'readSpan').mockImplementation(async function (this: CaptureReader, start: number, end: number) {
      most = Math.max(most, ++inFlight)
      try {
        return await readSpan.call(this, start, end)
      } finally {
        inFlight--
      }
    })
    cleanups.push(async () => spied.mockRestore())
    const got = await file.decodeRecords(connId, 0, 24, { client: 0, server: 0 }, 256 * KiB)
    expect(got.records.count).toBeGreaterThanOrEqual(12)
    expect(Buffer.from(got.payload).toString('latin1').match(/GET \/small/g)).toHaveLength(6)
    expect(most).toBeGreaterThan(4)
    // A range of its bytes (its six answers) read at once too: a read a chunk, several under way.
    most = 0
    const answered = await file.readBytes(connId, 'server', 0, 64 * KiB)
    expect(answered.toString('latin1').match(/\r\n\r\nsmall/g)).toHaveLength(6)
    expect(most).toBeGreaterThan(4)
  })
})
