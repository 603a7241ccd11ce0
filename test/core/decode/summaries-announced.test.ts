// Background decoding finds a connection's protocol and exchanges after the recorder told of
// its bytes: the engine announces that through the capture's `decoded` version, so front ends
// know to ask for the rows on screen again (the connection list's protocol and Info columns).
import { afterEach, describe, expect, it } from 'vitest'
import { request } from 'node:http'
import { once } from 'node:events'
import type { CaptureInfo } from '../../../src/shared/capture-types'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { waitFor } from '../../helpers/net'
import { allClosed, startHttpServer } from './decode-peers'

let t: TestEngine | undefined
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  await t?.dispose()
  t = undefined
})

/** The live capture's `decoded` in the last captures event the engine sent. */
function lastDecoded(t: TestEngine): number | undefined {
  for (let i = t.events.length - 1; i >= 0; i--) {
    const e = t.events[i]
    const captures: CaptureInfo[] | undefined = e.type === 'captures-updated' || e.type === 'snapshot' ? e.captures : undefined
    const live = captures?.find((c) => c.id === 'live')
    if (live) return live.decoded
  }
  return undefined
}

describe('decoding announces what it found', () => {
  it('moves the capture\'s decoded version after an exchange, and the page then carries the protocol and first exchange', async () => {
    t = await testEngine()
    const server = await startHttpServer()
    cleanups.push(server.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const before = lastDecoded(t) ?? 0

    const req = request({ port: portOf(proxy.listen), host: '127.0.0.1', path: '/missing', headers: { Connection: 'close' } })
    req.end()
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage]
    res.resume()
    await once(res, 'end')
    await allClosed(t.engine, 1)

    // No query asked: the announcement comes from decoding in the background alone.
    await waitFor(() => (lastDecoded(t!) ?? 0) > before, 'a captures event with a moved decoded version', 10_000)
    const page = await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 10 })
    expect(page.rows[0].protocol).toMatchObject({ protocol: 'http1', exchanges: 1, first: { method: 'GET', target: '/missing', status: 404 } })
    expect((await t.engine['capture.list']()).find((c) => c.id === 'live')?.decoded).toBe(lastDecoded(t))
  })
})
