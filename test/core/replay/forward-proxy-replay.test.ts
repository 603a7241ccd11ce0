// A request that came to the forward proxy as absolute-form HTTP (`GET http://origin/path`,
// with the proxy's own Proxy-Authorization) is kept in the capture as the client sent it.
// Replayed (one exchange, or the connection's raw bytes) and exported as curl, it goes as
// the origin got it: origin-form, without the proxy's credentials. A real Node HTTP server
// is the origin and says what it got each time; curl runs the exported command.
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { listen, waitFor } from '../../helpers/net'
import { openTo, readUntil, wholeResponse } from '../../helpers/forward-client'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { hasProgram, needProgram } from '../../helpers/peers'

let t: TestEngine
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

interface Got {
  url: string
  headers: IncomingHttpHeaders
}

/** An origin that answers every request with the same body and keeps what it got. */
async function origin(): Promise<{ port: number; got: Got[] }> {
  const got: Got[] = []
  const server = createServer((req, res) => {
    got.push({ url: req.url ?? '', headers: req.headers })
    req.resume()
    req.on('end', () => res.end('hello from the origin'))
  })
  const port = await listen(server)
  cleanups.push(() => new Promise((r) => server.close(r)))
  return { port, got }
}

const CREDENTIALS = `Basic ${Buffer.from('me:secret').toString('base64')}`

/** One absolute-form request through the forward proxy (with its credentials), the connection closed after it; its capture row. */
async function throughForwardProxy(originPort: number): Promise<number> {
  const p = await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward: { intercept: false, proxyAuth: 'me:secret' } })
  const socket = await openTo(portOf(p.listen))
  socket.write(
    `GET http://127.0.0.1:${originPort}/api?x=1 HTTP/1.1\r\nHost: 127.0.0.1:${originPort}\r\nProxy-Authorization: ${CREDENTIALS}\r\nProxy-Connection: Keep-Alive\r\nAccept: */*\r\nConnection: close\r\n\r\n`
  )
  const { answer } = await readUntil(socket, wholeResponse)
  expect(answer.toString('latin1')).toMatch(/^HTTP\/1\.1 200 [\s\S]*hello from the origin$/)
  socket.destroy()
  const c = await waitFor(() => t.engine.capture.connections().find((x) => x.via === 'HTTP' && x.end !== 'open'), 'the connection to close')
  return c.id
}

const seenByOrigin = (g: Got): unknown => ({ url: g.url, auth: g.headers['proxy-authorization'], proxyConnection: g.headers['proxy-connection'], host: g.headers.host })

describe("a forward proxy's absolute-form request, sent again", () => {
  it('replays one exchange and the raw connection as the origin got it, without the proxy credentials', async () => {
    t = await testEngine()
    const o = await origin()
    const connId = await throughForwardProxy(o.port)
    const asForwarded = { url: '/api?x=1', auth: undefined, proxyConnection: undefined, host: `127.0.0.1:${o.port}` }
    expect(seenByOrigin(o.got[0])).toEqual(asForwarded)
    // The capture keeps what the client sent.
    const sent = Buffer.from(await t.engine['conn.read']({ capture: 'live', connId, dir: 'client', offset: 0, length: 1000 })).toString('latin1')
    expect(sent).toContain(`Proxy-Authorization: ${CREDENTIALS}`)

    const { first } = await t.engine['replay.http']({ capture: 'live', connId, exchange: 0 })
    expect(first!.differences).toEqual([])
    expect(first!.matched).toBe(true)
    expect(seenByOrigin(o.got[1])).toEqual(asForwarded)

    const raw = await t.engine['replay.raw']({ capture: 'live', connId, strategy: 'turns', timeoutMs: 5000 })
    expect(o.got).toHaveLength(3)
    expect(seenByOrigin(o.got[2])).toEqual(asForwarded)
    // Every recorded byte of the turn went out (as the origin got it): nothing reads as cut short.
    expect(raw.turns[0].sent).toBe(raw.turns[0].recordedSent)
  })

  it('sends an edited request as the origin would get it too: the editors open on what the client sent', async () => {
    t = await testEngine()
    const o = await origin()
    const connId = await throughForwardProxy(o.port)
    const sent = Buffer.from(await t.engine['conn.read']({ capture: 'live', connId, dir: 'client', offset: 0, length: 1000 })).toString('latin1')
    const edited = Buffer.from(sent.replace('Accept: */*', 'Accept: text/plain'), 'latin1')
    await t.engine['replay.http']({ capture: 'live', connId, exchange: 0, request: new Uint8Array(edited) })
    await t.engine['replay.http']({ capture: 'live', connId, exchange: 0, request: new Uint8Array(edited), fixLength: true })
    await t.engine['replay.raw']({ capture: 'live', connId, strategy: 'turns', timeoutMs: 5000, edits: [{ turn: 0, bytes: new Uint8Array(edited) }] })
    expect(o.got.slice(1).map((g) => ({ ...(seenByOrigin(g) as object), accept: g.headers.accept }))).toEqual(
      Array(3).fill({ url: '/api?x=1', auth: undefined, proxyConnection: undefined, host: `127.0.0.1:${o.port}`, accept: 'text/plain' })
    )
    // An edit that names another origin is not sent there: the forward proxy never would have.
    const elsewhere = Buffer.from(sent.replace(`http://127.0.0.1:${o.port}/`, 'http://127.0.0.1:1/'), 'latin1')
    await expect(t.engine['replay.http']({ capture: 'live', connId, exchange: 0, request: new Uint8Array(elsewhere) })).rejects.toThrow(/names another origin than its connection's 127\.0\.0\.1:\d+/)
    expect(o.got).toHaveLength(4)
  })

  it('exports it as a curl command that sends what the origin got', async (ctx) => {
    needProgram(ctx, 'curl (apt-get install curl)', hasProgram('curl'))
    t = await testEngine()
    const o = await origin()
    const connId = await throughForwardProxy(o.port)
    const command = (await t.engine['capture.export']({ capture: 'live', format: 'curl', connIds: [connId], exchange: 0 })).text!
    expect(command).not.toMatch(/Proxy-Authorization|Proxy-Connection/i)
    expect(command).toContain("--request-target '/api?x=1'")
    // Not execFileSync: the origin and the engine answer from this process.
    expect((await promisify(execFile)('sh', ['-c', command], { encoding: 'latin1' })).stdout).toBe('hello from the origin')
    expect(seenByOrigin(o.got[1])).toEqual({ url: '/api?x=1', auth: undefined, proxyConnection: undefined, host: `127.0.0.1:${o.port}` })
  })
})
