// Keep-alive sequences (replay.sequence): captured requests sent in order on one connection,
// checked by a server that keeps the raw bytes of each connection it accepts; a sequence
// stops once the server closes, is recorded as one connection linked to its first request,
// can be cancelled, and refuses bad input in one line before sending anything.
import { describe, expect, it } from 'vitest'
import { closedConnections } from '../../helpers/capture-checks'
import { proxiedPair } from '../../helpers/engine'
import { expectOneLine, userRefusal } from '../../helpers/errors'
import { startServer, waitFor } from '../../helpers/net'
import { needPeer } from '../../helpers/peers'
import { MAX_SEQUENCE_REQUESTS } from '../../../src/shared/replay-types'
import { curl } from '../export/export-traffic'
import { capturedRequestBytes, nodeRequest, recorderBehindProxy } from './http-replay-peers'

const setup = recorderBehindProxy()

describe('a keep-alive sequence', () => {
  it("sends curl's three requests in order on one connection, each getting its recorded response", async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const { t, recorder, listen } = await setup()
    await curl([`http://${listen}/one`, `http://${listen}/two?x=2`, `http://${listen}/three`])
    const [conn] = await closedConnections(t.engine, 1)
    const exchanges = await t.engine['http.exchanges']({ capture: 'live', connId: conn.id, from: 0, limit: 10 })
    expect(exchanges.total).toBe(3)
    const before = recorder.received.length
    const requests = [0, 1, 2].map((exchange) => ({ connId: conn.id, exchange }))
    const r = await t.engine['replay.sequence']({ capture: 'live', requests })
    expect(r).toMatchObject({ target: `127.0.0.1:${recorder.port}`, matched: 3, notSent: 0 })
    expect(r.stopped).toBeUndefined()
    expect(r.results.map((x) => [x.source!.exchange, x.matched, x.connId])).toEqual([0, 1, 2].map((i) => [i, true, r.connId]))
    expect(r.results.map((x) => x.response!.status)).toEqual([200, 200, 200])
    const sent = Buffer.concat(await Promise.all([0, 1, 2].map((i) => capturedRequestBytes(t.engine, conn.id, i))))
    await waitFor(() => Buffer.concat(recorder.received[before] ?? []).length >= sent.length, 'the three requests')
    expect(recorder.received.length - before).toBe(1)
    expect(Buffer.concat(recorder.received[before]).equals(sent)).toBe(true)
    const replay = await waitFor(() => t.engine.capture.connections().find((c) => c.id === r.connId && c.end !== 'open'), 'the replay connection to close')
    expect(replay.replayOf).toEqual({ capture: 'live', connId: conn.id, exchange: 0 })
    expect(replay.bytes.client).toBe(sent.length)
  })

  it('sends the most requests a sequence takes (1000) on one connection, each matched', async () => {
    const { t, recorder, listen } = await setup()
    await nodeRequest(listen, '/many', { method: 'POST', headers: { 'content-length': '4', connection: 'keep-alive' }, body: 'body' })
    const [conn] = await closedConnections(t.engine, 1)
    const before = recorder.received.length
    const requests = Array.from({ length: MAX_SEQUENCE_REQUESTS }, () => ({ connId: conn.id, exchange: 0 }))
    const r = await t.engine['replay.sequence']({ capture: 'live', requests })
    expect(r).toMatchObject({ matched: MAX_SEQUENCE_REQUESTS, notSent: 0 })
    expect(r.results).toHaveLength(MAX_SEQUENCE_REQUESTS)
    expect(recorder.received.length - before).toBe(1)
    const one = await capturedRequestBytes(t.engine, conn.id)
    expect(Buffer.concat(recorder.received[before]).equals(Buffer.concat(Array.from({ length: MAX_SEQUENCE_REQUESTS }, () => one)))).toBe(true)
  })

  it('stops once the server says it closes, and once it closes without answering', async () => {
    const { t, listen } = await setup()
    for (const path of ['/a', '/b', '/c']) await nodeRequest(listen, path)
    const conns = await closedConnections(t.engine, 3)
    const requests = conns.map((c) => ({ connId: c.id, exchange: 0 }))
    // Node's client asked each time to close, so the recorded responses say so too: one is all that can be sent.
    const closing = await t.engine['replay.sequence']({ capture: 'live', requests })
    expect(closing).toMatchObject({ matched: 1, notSent: 2, stopped: 'the server closed the connection after request 1' })
    expect(closing.results).toHaveLength(1)
    const silent = await startServer((s) => s.once('data', () => s.end()))
    try {
      const cut = await t.engine['replay.sequence']({ capture: 'live', requests, target: `127.0.0.1:${silent.port}` })
      expect(cut).toMatchObject({ matched: 0, notSent: 2, stopped: `no whole response to request 1: 127.0.0.1:${silent.port} closed the connection without a response` })
      expectOneLine(cut.stopped!)
    } finally {
      await silent.close()
    }
  })

  it('stops when cancelled', async () => {
    const { t, listen } = await setup()
    await nodeRequest(listen, '/stuck')
    const [conn] = await closedConnections(t.engine, 1)
    const silent = await startServer(() => {})
    try {
      const stop = new AbortController()
      const requests = [{ connId: conn.id, exchange: 0 }, { connId: conn.id, exchange: 0 }]
      const running = t.engine['replay.sequence']({ capture: 'live', requests, target: `127.0.0.1:${silent.port}`, timeoutMs: 60_000 }, { signal: stop.signal })
      await waitFor(() => t.engine.capture.connections().some((c) => c.id > conn.id && c.end === 'open'), 'the sequence to connect')
      stop.abort()
      await expect(running).rejects.toThrow(/cancel/)
    } finally {
      await silent.close()
    }
  })

  it('refuses bad input in one line before sending anything: no requests, an unknown connection, a non-HTTP one, a missing exchange', async () => {
    const { t, recorder, listen } = await setup()
    await nodeRequest(listen, '/ok')
    const [http] = await closedConnections(t.engine, 1)
    const raw = await proxiedPair(t.engine)
    raw.client.end('PING hello\r\n')
    raw.serverSide.end()
    const rawId = (await closedConnections(t.engine, 2)).at(-1)!.id
    await raw.close()
    const before = recorder.received.length
    const refusal = async (requests: Array<{ connId: number; exchange: number }>): Promise<string> => (await userRefusal(t.engine['replay.sequence']({ capture: 'live', requests }))).message
    const good = { connId: http.id, exchange: 0 }
    expect(await refusal([])).toBe('a keep-alive sequence needs at least one captured request')
    expect(await refusal([{ connId: 999, exchange: 0 }])).toBe('no connection #999 in this capture')
    expect(await refusal([good, { connId: 999, exchange: 0 }])).toBe('no connection #999 in this capture')
    expect(await refusal([good, { connId: rawId, exchange: 0 }])).toBe(`connection #${rawId} carries no HTTP request (it reads as raw); HTTP replay is for HTTP connections`)
    expect(await refusal([good, { connId: http.id, exchange: 4 }])).toBe(`connection #${http.id} has no HTTP exchange 5 (it has 1)`)
    expect(recorder.received.length).toBe(before)
  })
})
