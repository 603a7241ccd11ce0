// HTTP replay of requests captured by the engine's own sessions, not only its proxies (the
// issue: "from a proxy, a server session or a client session"): a request curl sent to a
// server session and one a client session sent, each replayed byte for byte to a real
// server, over TCP and to a Unix socket.
import { once } from 'node:events'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { waitFor } from '../../helpers/net'
import { needPeer } from '../../helpers/peers'
import { curl } from '../decode/decode-peers'
import { capturedRequestBytes, rawRecorder, type RawRecorder } from './http-replay-peers'

let t: TestEngine | undefined
let recorder: RawRecorder | undefined
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await recorder?.close()
  recorder = undefined
  await t?.dispose()
  t = undefined
})

const receivedAfter = async (r: RawRecorder, before: number): Promise<Buffer> => Buffer.concat(await waitFor(() => r.received[before], 'the replayed connection'))

describe('HTTP replay of a session’s request', () => {
  it('replays a request curl sent to a server session, byte for byte, to another server', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    t = await testEngine()
    recorder = await rawRecorder()
    const session = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { http: { status: 200, body: { kind: 'text', data: 'ok' } } } })
    expect(await curl(['-H', 'X-Case: Kept', `http://${session.listen}/from-curl`])).toBe('ok')
    const conn = await waitFor(() => t!.engine.capture.connections().find((c) => c.kind === 'server' && c.end !== 'open'), 'the session connection to close')
    const { first } = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, target: `127.0.0.1:${recorder.port}` })
    expect((await receivedAfter(recorder, 0)).toString('latin1')).toBe((await capturedRequestBytes(t.engine, conn.id)).toString('latin1'))
    // Another server's headers differ from the session's: only the status is the same.
    expect(first).toMatchObject({ matched: false, response: { status: 200 }, recorded: { status: 200 } })
    const [replayed] = await t.engine['conn.get']({ capture: 'live', ids: [first!.connId!] })
    expect(replayed.replayOf).toMatchObject({ capture: 'live', connId: conn.id, exchange: 0 })
  })

  it('replays a request a client session sent to its own target by default, and to a Unix socket', async () => {
    t = await testEngine()
    recorder = await rawRecorder()
    const client = await t.engine['client.connect']({ target: `127.0.0.1:${recorder.port}` })
    const request = 'GET /from-session HTTP/1.1\r\nHost: x\r\nx-dup: 1\r\nX-Dup: 2\r\n\r\n'
    await t.engine['conn.send']({ connId: client.connId!, payload: { kind: 'text', data: request, escapes: false } })
    await waitFor(() => t!.engine.capture.connections().find((c) => c.id === client.connId && c.bytes.server > 0), 'the response to the session')
    const { first } = await t.engine['replay.http']({ capture: 'live', connId: client.connId!, exchange: 0 })
    expect((await receivedAfter(recorder, 1)).toString('latin1')).toBe(request)
    expect(first).toMatchObject({ matched: true, response: { status: 200 } })

    const path = join(t.dir, 'http.sock')
    const got: Buffer[] = []
    const unix = createServer((_req, res) => res.end('ok'))
    unix.on('connection', (s) => s.on('data', (c: Buffer) => got.push(c)))
    unix.listen(path)
    await once(unix, 'listening')
    cleanups.push(() => new Promise<void>((r) => (unix.closeAllConnections(), unix.close(() => r()))))
    const viaUnix = await t.engine['replay.http']({ capture: 'live', connId: client.connId!, exchange: 0, target: path })
    expect(Buffer.concat(got).toString('latin1')).toBe(request)
    expect(viaUnix.first).toMatchObject({ target: path, response: { status: 200 } })
  })
})
