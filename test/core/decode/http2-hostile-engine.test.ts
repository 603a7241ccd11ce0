// Hostile HTTP/2 through a real proxy: a CONTINUATION flood, an HPACK bomb, an index past
// the table and a frame of absurd length, each sent by a client to a server that reads and
// answers nothing. The proxy forwards every byte and keeps serving; the exchange list, the
// exchange in full, a HAR export and `tcpscope show` each answer, bounded (the bomb's
// headers stay under 256 KiB decoded wherever they are shown), with the notes on the
// connection.
import { afterEach, describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import { runCli } from '../../helpers/cli'
import { connectTo, startServer } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { PREFACE, frame, getRoot, literalIndexed, settings } from '../protocols/http2/h2-frames'

let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

const ATTACKS: Record<string, Buffer> = {
  flood: Buffer.concat([frame(1, 0x1, 1, getRoot()), ...Array.from({ length: 20_000 }, () => frame(9, 0, 1, Buffer.alloc(48, 0x41)))]),
  bomb: Buffer.concat([frame(1, 0x5, 1, Buffer.concat([getRoot(), literalIndexed('x-big', 'v'.repeat(4000))])), frame(1, 0x5, 3, Buffer.concat([getRoot(), Buffer.alloc(100_000, 0xbe)]))]),
  'bad index': frame(1, 0x5, 1, Buffer.from([0xff, 0x7f])),
  'absurd length': Buffer.concat([frame(1, 0x4, 1, Buffer.alloc(0), 0xffffff), Buffer.alloc(64 * 1024, 0x42)])
}

describe('hostile HTTP/2 through the proxy', () => {
  it('is forwarded as sent, leaves the proxy serving, and the list, the detail, HAR and show stay bounded', async () => {
    t = await testEngine()
    const te = t
    const received = new Map<number, Buffer[]>()
    let accepted = 0
    const server = await startServer((s: Socket) => {
      const mine: Buffer[] = []
      received.set(accepted++, mine)
      s.on('data', (d: Buffer) => mine.push(d))
    })
    cleanups.push(server.close)
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const sent: Buffer[] = []
    for (const attack of Object.values(ATTACKS)) {
      const bytes = Buffer.concat([PREFACE, settings(), attack])
      sent.push(bytes)
      const c = await connectTo(portOf(proxy.listen))
      c.end(bytes)
      cleanups.push(() => c.destroy())
    }
    // Every byte forwarded, each connection's as sent.
    await expect.poll(() => [...received.values()].map((r) => Buffer.concat(r).length).sort((a, b) => a - b), { timeout: 30_000 }).toEqual(sent.map((b) => b.length).sort((a, b) => a - b))
    for (const r of received.values()) expect(sent.some((b) => b.equals(Buffer.concat(r)))).toBe(true)

    const page = async (): Promise<Awaited<ReturnType<TestEngine['engine']['conn.page']>>> => te.engine['conn.page']({ capture: 'live', offset: 0, limit: 10 })
    await expect.poll(async () => (await page()).rows.map((r) => r.protocol?.protocol)).toEqual(['http2', 'http2', 'http2', 'http2'])
    const conns = await page()
    for (const row of conns.rows) {
      const page = await te.engine['http.exchanges']({ capture: 'live', connId: row.id })
      expect(page.problems.length).toBeGreaterThan(0)
      expect(page.problems.length).toBeLessThanOrEqual(100)
      for (const ex of page.exchanges) {
        const size = ex.request?.headers.reduce((n, h) => n + h.name.length + h.value.length + 32, 0) ?? 0
        expect(size).toBeLessThanOrEqual(256 * 1024)
      }
    }
    const [flood, bomb, bad, absurd] = conns.rows.map((r) => r.id)
    const notes = async (id: number): Promise<string> => (await te.engine['http.exchanges']({ capture: 'live', connId: id })).problems.map((p) => p.message).join('\n')
    expect(await notes(flood)).toMatch(/CONTINUATION flood/)
    expect(await notes(bomb)).toMatch(/decode to more than 262144 bytes/)
    expect(await notes(bad)).toMatch(/compression context is lost/)
    expect(await notes(absurd)).toMatch(/declares 16777215 bytes.*skipped/)

    const har = join(te.dir, 'hostile.har')
    await te.engine['capture.export']({ capture: 'live', format: 'har', path: har })
    const entries = (JSON.parse(await readFile(har, 'utf8')) as { log: { entries: Array<{ request: { headers: unknown[] } }> } }).log.entries
    expect(JSON.stringify(entries).length).toBeLessThan(2 * 1024 * 1024)

    // The proxy still serves: a plain connection goes through.
    const after = await connectTo(portOf(proxy.listen))
    after.write('still here')
    cleanups.push(() => after.destroy())
    await expect.poll(() => [...received.values()].some((r) => Buffer.concat(r).toString() === 'still here')).toBe(true)

    await te.engine.close()
    const shown = await runCli(['show', te.capturePath, '--json'])
    expect(shown.code).toBe(0)
    expect(shown.stdout.length).toBeLessThan(4 * 1024 * 1024)
    expect(shown.stdout).toContain('"type":"problem"')
  })
})
