// `tcpscope show` writes exchanges one at a time, in order, but asks the engine for the next
// exchanges' bodies while it writes one (written in turn, it waited on a read per body):
// several body reads are under way at once, and every exchange still comes out whole, in order.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PassThrough } from 'node:stream'
import { main } from '../../src/cli/index'
import { Decoding } from '../../src/core/decode/decoding'
import { behindProxy } from '../helpers/behind-proxy'
import { collect, connectTo } from '../helpers/net'

const EXCHANGES = 40

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('show reading bodies ahead', () => {
  it('has several bodies asked for at once, and writes every exchange whole and in order', async () => {
    const { t, port, close } = await behindProxy((req, res) => res.end(`body of ${req.url} `.repeat(20)))
    cleanups.push(close)
    const s = await connectTo(port)
    const answer = collect(s)
    for (let i = 0; i < EXCHANGES; i++) {
      const before = s.bytesRead
      s.write(`GET /${i} HTTP/1.1\r\nHost: t\r\n\r\n`)
      while (s.bytesRead - before < 200) await new Promise((r) => setImmediate(r))
    }
    s.end()
    await answer
    while (t.engine.capture.connections().some((c) => c.end === 'open')) await new Promise((r) => setTimeout(r, 10))
    await t.engine.close()

    // The engine's body reads, counted where it answers http.body: how many at once at most.
    let inFlight = 0
    let most = 0
    const body = Decoding.prototype.body
    const spied = vi.spyOn(Decoding.prototype, 'body').mockImplementation(async function (this: Decoding, ...args: Parameters<Decoding['body']>) {
      most = Math.max(most, ++inFlight)
      try {
        return await body.apply(this, args)
      } finally {
        inFlight--
      }
    })
    cleanups.push(() => spied.mockRestore())
    const out = new PassThrough()
    const text = collect(out as never)
    const code = await main(['show', t.capturePath, '--json'], { out, err: new PassThrough() })
    out.end()
    expect(code).toBe(0)
    const lines = (await text).toString().trim().split('\n').map((l) => JSON.parse(l) as { exchange: number; url: string; responseBody: { text: string } })
    expect(lines.map((l) => l.exchange)).toEqual(Array.from({ length: EXCHANGES }, (_, i) => i + 1))
    lines.forEach((l, i) => expect(l.responseBody.text).toBe(`body of /${i} `.repeat(20)))
    expect(most).toBeGreaterThan(2)
  })
})
