// An HTTP/2 connection's Info words are its first exchange in short, as an HTTP/1 one's
// are, and the list's plain words find it by them: h2c with prior knowledge through the
// proxy, from Node's own http2 client and server (h2 after TLS is the same decoder's
// summary). The cell the UI draws from them: test/renderer/features/exchanges/protocol-info.test.ts.
import { afterEach, describe, expect, it } from 'vitest'
import { infoWords } from '../../../src/shared/info-words'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { h2Requests, startH2Origin } from '../../helpers/h2-peer'
import { allClosed } from './decode-peers'

let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

describe('the Info column of an HTTP/2 connection', () => {
  it('is its first exchange in short with the count of the others, and a plain word finds it', async () => {
    t = await testEngine()
    const origin = await startH2Origin(cleanups)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${origin.port}` })
    await h2Requests(portOf(proxy.listen), [{ path: '/api/status' }])
    await h2Requests(portOf(proxy.listen), [{ path: '/api/other' }])
    await allClosed(t.engine, 2)
    const rows = async (filter?: string): Promise<Array<{ id: number; protocol?: Parameters<typeof infoWords>[0] }>> => {
      let page
      do page = await t!.engine['conn.page']({ capture: 'live', offset: 0, limit: 10, ...(filter !== undefined ? { filter } : {}) })
      while (page.scan)
      return page.rows
    }
    // Decoding runs a moment behind the list.
    await expect.poll(async () => (await rows()).map((r) => r.protocol && infoWords(r.protocol))).toEqual([expect.stringMatching(/^GET \/api\/status → 200 application\/json \d+ B$/), expect.stringMatching(/^GET \/api\/other → 200 /)])
    const all = await rows()
    expect(all.map((r) => r.protocol?.protocol)).toEqual(['http2', 'http2'])
    expect((await rows('/api/status')).map((r) => r.id)).toEqual([all[0].id])
  })
})
