// Raw replay beyond request-reply: a server that speaks first and closes after the
// client's FIN, and a replay cancelled while the target is not reading what it sends.
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { testEngine, portOf, type TestEngine } from '../../helpers/engine'
import { collect, connectTo, startServer, waitFor } from '../../helpers/net'
import { nodeRequest, rawRecorder } from './http-replay-peers'

let t: TestEngine | undefined
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

/** A greeting, then each line echoed upper-cased; FIN after the client's. */
function greeter(s: Socket): void {
  s.write('hi\n')
  s.on('data', (c: Buffer) => s.write(c.toString().toUpperCase()))
  s.on('end', () => s.end())
}

/** Waits until `text` has arrived (`seen` is what the socket read so far). */
async function until(seen: { text: string }, text: string): Promise<void> {
  await waitFor(() => seen.text.includes(text), `"${text.trim()}"`)
}

/** A client of `greeter`: waits for its greeting, then sends each line once the one before came back upper-cased, then FIN. */
function conversation(lines: string[]): (c: Socket) => Promise<void> {
  return async (c) => {
    const seen = { text: '' }
    c.on('data', (b: Buffer) => (seen.text += b.toString()))
    await until(seen, 'hi\n')
    for (const line of lines) {
      c.write(line)
      await until(seen, line.toUpperCase())
    }
    c.end()
    await new Promise((r) => c.once('close', r))
  }
}

async function capturedThroughProxy(engine: TestEngine['engine'], serverPort: number, talk: (c: Socket) => Promise<void>): Promise<number> {
  const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${serverPort}` })
  const client = await connectTo(portOf(proxy.listen))
  await talk(client)
  const conn = await waitFor(() => engine.capture.connections().find((c) => c.kind === 'proxy' && c.end !== 'open'), 'the captured connection to close')
  await engine['proxy.stop']({ proxyId: proxy.id })
  return conn.id
}

describe('raw replay edges', () => {
  it('waits for a greeting before the first client turn and half-closes as the client did', async () => {
    t = await testEngine()
    const server = await startServer(greeter)
    cleanups.push(server.close)
    const connId = await capturedThroughProxy(t.engine, server.port, conversation(['a\n', 'b\n']))
    for (const strategy of ['turns', 'timing', 'burst'] as const) {
      const r = await t.engine['replay.raw']({ capture: 'live', connId, strategy })
      expect(r.turns.map((x) => [x.sent, Buffer.from(x.bytes).toString(), x.matched])).toEqual([
        [0, 'hi\n', true],
        [2, 'A\n', true],
        [2, 'B\n', true]
      ])
      expect(r.end).toBe('closed')
      const [replayed] = await t.engine['conn.get']({ capture: 'live', ids: [r.connId!] })
      expect(replayed.fin).toEqual({ client: true, server: true })
    }
  })

  it('is cancelled while the target does not read, and records the replay as stopped', async () => {
    t = await testEngine()
    const sink = await startServer((s) => void collect(s).then(() => s.end()))
    cleanups.push(sink.close)
    const big = Buffer.alloc(32 * 1024 * 1024, 7)
    const connId = await capturedThroughProxy(t.engine, sink.port, async (c) => {
      c.end(big)
      await new Promise((r) => c.once('close', r))
    })
    const stop = new AbortController()
    // Takes one chunk, then reads no more: the replay's writes must wait, not pile up.
    const stuck = await startServer((s) => s.once('data', () => (s.pause(), stop.abort())))
    cleanups.push(stuck.close)
    const replaying = t.engine['replay.raw']({ capture: 'live', connId, strategy: 'burst', target: `127.0.0.1:${stuck.port}` }, { signal: stop.signal })
    await expect(replaying).rejects.toMatchObject({ code: 'ECANCELED', message: 'cancelled' })
    const replay = t.engine.capture.connections().at(-1)!
    expect(replay.end).toBe('stopped')
    expect(replay.bytes.client).toBeLessThan(big.length)
  })

  it('replays to a Unix socket, and past a server that stays silent once the timeout passes', async () => {
    t = await testEngine()
    const server = await startServer(greeter)
    cleanups.push(server.close)
    const connId = await capturedThroughProxy(t.engine, server.port, conversation(['a\n']))
    const path = join(t.dir, 'greeter.sock')
    const unix = createServer({ allowHalfOpen: true }, greeter)
    await new Promise<void>((r) => unix.listen(path, r))
    cleanups.push(() => new Promise<void>((r) => unix.close(() => r())))
    const r = await t.engine['replay.raw']({ capture: 'live', connId, strategy: 'turns', target: path })
    expect(r).toMatchObject({ target: path, matched: 2, of: 2 })

    const silent = createServer({ allowHalfOpen: true }, (s) => s.resume().on('end', () => s.end()))
    const silentPath = join(t.dir, 'silent.sock')
    await new Promise<void>((r) => silent.listen(silentPath, r))
    cleanups.push(() => new Promise<void>((r) => silent.close(() => r())))
    const quiet = await t.engine['replay.raw']({ capture: 'live', connId, strategy: 'turns', target: silentPath, timeoutMs: 50 })
    expect(quiet.turns.map((x) => [x.sent, x.received, x.matched])).toEqual([
      [0, 0, false],
      [2, 0, false]
    ])
    expect(quiet.matched).toBe(0)
  })

  it('gives up writing to a target that never reads once the timeout passes, raw and HTTP, edited up to 8 MiB', async () => {
    t = await testEngine()
    const server = await startServer(greeter)
    cleanups.push(server.close)
    const connId = await capturedThroughProxy(t.engine, server.port, conversation(['GET / HTTP/1.1\r\n\r\n']))
    // A Unix socket's buffers are far smaller than 8 MiB: the replay's writes must wait for a drain that never comes.
    const deafPath = join(t.dir, 'deaf.sock')
    const held = new Set<Socket>()
    const deaf = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => held.add(s))
    await new Promise<void>((r) => deaf.listen(deafPath, r))
    // A socket that reads nothing never sees its peer close: it is destroyed here.
    cleanups.push(() => new Promise<void>((r) => (deaf.close(() => r()), held.forEach((s) => s.destroy()))))
    const big = new Uint8Array(8 * 1024 * 1024).fill(0x61)
    const raw = await t.engine['replay.raw']({ capture: 'live', connId, strategy: 'turns', target: deafPath, timeoutMs: 100, edits: [{ turn: 1, bytes: big }] })
    expect(raw.turns[1]).toMatchObject({ edited: true, matched: false })
    expect(raw.turns[1].sent).toBeLessThan(big.length)

    const recorder = await rawRecorder()
    cleanups.push(recorder.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${recorder.port}` })
    await nodeRequest(proxy.listen, '/small')
    const httpConn = await waitFor(() => t!.engine.capture.connections().find((c) => c.kind === 'proxy' && c.id !== connId && c.end !== 'open'), 'the HTTP connection to close')
    const head = Buffer.from(`POST / HTTP/1.1\r\nContent-Length: ${big.length - 64}\r\n\r\n`)
    const request = Buffer.concat([head, Buffer.alloc(big.length - 64, 0x62)]).subarray(0, big.length)
    const http = await t.engine['replay.http']({ capture: 'live', connId: httpConn.id, exchange: 0, target: deafPath, timeoutMs: 100, request })
    expect(http.first!.sent).toBeLessThan(request.length)
    expect(http.first!.differences[0]).toBe(`${deafPath} took only ${http.first!.sent} bytes of the request, then none for 100 ms`)
    const [replayed] = await t.engine['conn.get']({ capture: 'live', ids: [http.first!.connId!] })
    expect(replayed.end).not.toBe('open')
  })
})
