// A file of many connections, decoded to its end, has its Info words made and joined in the
// background (info-texts.ts prepare), so that the first plain filter word finds its rows in
// the join at once instead of writing out every row's Info first (about 300 ms over 100,000).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { join } from 'node:path'
import { LiveCapture } from '../../../src/core/capture/write/live-capture'
import { ConnDecoding } from '../../../src/core/decode/conn-decoding'
import { testEngine, type TestEngine } from '../../helpers/engine'

/** Past the 10,000 connections from which the words are made ahead. */
const CONNECTIONS = 12_000

const engines: TestEngine[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const t of engines.splice(0)) await t.dispose()
})

async function writeCapture(path: string): Promise<void> {
  const capture = await LiveCapture.create(path, { overwrite: true })
  const t0 = Date.now() - CONNECTIONS
  for (let c = 0; c < CONNECTIONS; c++) {
    const conn = capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '10.0.0.7', port: 10000 + c, family: 'IPv4' }, target: '10.0.0.1:80' })
    const status = c % 100 === 42 ? '404 Not Found' : '200 OK'
    conn.data('client', Buffer.from(`GET /items/${c} HTTP/1.1\r\nHost: api.example.com\r\n\r\n`), t0 + c)
    conn.data('server', Buffer.from(`HTTP/1.1 ${status}\r\nContent-Length: 2\r\n\r\nok`), t0 + c)
    conn.close('closed')
  }
  await capture.close()
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 20) {
    if (waited > 30_000) throw new Error(`${what} did not happen within 30 s`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('plain words ahead of the first', () => {
  it(`makes ${CONNECTIONS.toLocaleString('en-US')} connections' Info words once decoding is done, and the first word writes out none`, async () => {
    const t = await testEngine()
    engines.push(t)
    const path = join(t.dir, 'many.tcap')
    await writeCapture(path)
    const { id: capture } = await t.engine['capture.open']({ path })
    // Each Info text is written out from its connection's summary: counted from here on.
    const summaries = vi.spyOn(ConnDecoding.prototype, 'summary')
    for (;;) {
      const p = await t.engine['conn.page']({ capture, offset: 0, limit: 10, filter: 'proto:http1' })
      if (p.total === CONNECTIONS) break
      await new Promise((r) => setTimeout(r, 50))
    }
    // In the background, with no word asked.
    await until('every Info text made', () => summaries.mock.calls.length >= CONNECTIONS)
    await new Promise((r) => setTimeout(r, 50))
    summaries.mockClear()
    const found = await t.engine['conn.page']({ capture, offset: 0, limit: 500, filter: '"→ 404"' })
    expect(found.total).toBe(CONNECTIONS / 100)
    expect(found.rows.map((r) => (r.id - 1) % 100)).toEqual(Array(CONNECTIONS / 100).fill(42))
    // Only the rows on the page were summed up again, not every connection's Info.
    expect(summaries.mock.calls.length).toBeLessThan(1000)
    // A word across rows and fields finds what each row holds.
    expect((await t.engine['conn.page']({ capture, offset: 0, limit: 10, filter: '"items/11999"' })).rows.map((r) => r.id)).toEqual([12000])
  }, 60_000)
})
