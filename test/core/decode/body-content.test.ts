// http.body, the command the HTTP tab reads bodies with, on what the proxy recorded of a
// real server: the 2 GiB gzip bomb comes back as a bounded piece that says it was cut and
// why (no window past the cut, whatever is asked), while its bytes as sent page as before.
// (A body sent with no coding pages past the limit as its bytes lie: skip-body.test.ts.)
import { afterEach, describe, expect, it } from 'vitest'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { collect, connectTo } from '../../helpers/net'
import { closedConnections } from '../../helpers/capture-checks'
import { gzipOfZeros, startBombServer } from '../../helpers/gzip-bomb'

const MiB = 1024 * 1024
let t: TestEngine
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

/** One request through the proxy; the whole answer, as the client got it. */
async function ask(listen: string, path: string): Promise<Buffer> {
  const s = await connectTo(portOf(listen))
  const got = collect(s)
  s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  const answer = await got
  // The test's sockets stay half open (connectTo): this side closes too once the answer ends.
  s.end()
  return answer
}

describe('http.body', () => {
  it('gives the 2 GiB gzip bomb bounded, cut at the ratio, with the sentence that says why', async () => {
    t = await testEngine()
    const bomb = gzipOfZeros(2 * 1024 * MiB)
    const server = await startBombServer(bomb)
    cleanups.push(server.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    expect((await ask(proxy.listen, '/bomb')).length).toBeGreaterThan(bomb.length)
    const [conn] = await closedConnections(t.engine, 1)
    const read = (offset: number, length: number, decode = true) => t.engine['http.body']({ capture: 'live', connId: conn.id, exchange: 0, part: 'response', decode, offset, length })

    // The first piece the tab asks for: zeros, not the end, not cut yet; binary whatever the label says (zeros are no JSON).
    const first = await read(0, 64 * 1024)
    expect(first).toMatchObject({ offset: 0, end: false, decoded: ['gzip'], type: { kind: 'binary', media: 'application/json' } })
    expect(first.bytes.length).toBe(64 * 1024)
    expect(first.cut).toBeUndefined()
    expect(first.pretty).toBe(false)

    // As much as one read may ask: what came before the cut, and the cut.
    const most = await read(0, 16 * MiB)
    expect(most.bytes.length).toBeGreaterThan(MiB)
    expect(most.bytes.length).toBeLessThan(2 * MiB)
    expect(most.bytes.every((b) => b === 0)).toBe(true)
    expect(most).toMatchObject({ end: false, pretty: false, cut: { reason: 'ratio', kept: most.bytes.length, sentSize: bomb.length, codings: ['gzip'] } })
    expect(most.note).toMatch(/^stopped decoding at 1\.\d+ MiB: it expands over \d+:1 \(gzip 2\.03 MiB\), past the 100:1 allowed; showing the first 1\.\d+ MiB$/)

    // Past the cut: nothing, and why.
    const past = await read(1024 * MiB, MiB)
    expect(past.bytes.length).toBe(0)
    expect(past).toMatchObject({ end: false, cut: { reason: 'ratio' } })
    expect(past.note).toBe(most.note)

    // The bytes as sent are paged as they lie, all 2.03 MiB of them.
    const raw = await read(MiB, 4 * MiB, false)
    expect(raw).toMatchObject({ end: true, total: bomb.length, decoded: [] })
    expect(Buffer.from(raw.bytes).equals(bomb.subarray(MiB))).toBe(true)
    expect(raw.cut).toBeUndefined()
  })
})
