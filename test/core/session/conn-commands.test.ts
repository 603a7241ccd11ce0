// The commands that drive a session connection by hand, and what they refuse: payload
// previews are the exact bytes a send makes; proxy connections, unknown ids and sends
// after our FIN get one-line errors; a bad payload sends nothing.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import iconv from 'iconv-lite'
import { connectTo, startServer, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { oneLineRejection } from '../../helpers/errors'
import { captured, connIdOf, SocketReader, summaryOf } from '../../helpers/sessions'

let t: TestEngine
afterEach(async () => t?.dispose())

describe('payload.preview', () => {
  it('returns the exact bytes of text with escapes, encodings, checksums and line endings', async () => {
    t = await testEngine()
    const preview = async (payload: Parameters<TestEngine['engine']['payload.preview']>[0]['payload']): Promise<Buffer> =>
      Buffer.from(await t.engine['payload.preview']({ payload }))
    expect(await preview({ kind: 'text', data: 'A\\x00\\r\\n' })).toEqual(Buffer.from([0x41, 0x00, 0x0d, 0x0a]))
    expect(await preview({ kind: 'text', data: 'a\\n', escapes: false })).toEqual(Buffer.from('a\\n'))
    expect(await preview({ kind: 'text', data: '你好', encoding: 'gbk', eol: 'crlf' })).toEqual(Buffer.concat([iconv.encode('你好', 'gbk'), Buffer.from('\r\n')]))
    expect(await preview({ kind: 'hex', data: '01 03 00 00 00 01', checksum: 'crc16-modbus' })).toEqual(Buffer.from('010300000001840a', 'hex'))
    expect(await preview({ kind: 'text', data: 'AB', checksum: 'sum8', eol: 'lf' })).toEqual(Buffer.from([0x41, 0x42, 0x83, 0x0a]))
    const file = join(t.dir, 'payload.bin')
    writeFileSync(file, Buffer.from([0, 1, 2, 255]))
    expect(await preview({ kind: 'file', data: file })).toEqual(Buffer.from([0, 1, 2, 255]))
  })

  it('refuses a bad payload with a one-line error', async () => {
    t = await testEngine()
    expect(await oneLineRejection(t.engine['payload.preview']({ payload: { kind: 'hex', data: '0g' } }))).toMatch(/bad hex digit "g"/)
    expect(await oneLineRejection(t.engine['payload.preview']({ payload: { kind: 'text', data: 'x\\q' } }))).toMatch(/bad escape "\\q"/)
    expect(await oneLineRejection(t.engine['payload.preview']({ payload: { kind: 'file', data: join(t.dir, 'missing') } }))).toBe(
      `no such file: ${join(t.dir, 'missing')}`
    )
  })
})

describe('conn.send and friends', () => {
  it('sends exactly the previewed bytes and records them', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    const connId = await connIdOf(t.engine, client.socket)
    const payload = { kind: 'text' as const, data: '温度\\t25\\x00', encoding: 'gb18030' as const, checksum: 'xor8' as const, eol: 'crlf' as const }
    const bytes = Buffer.from(await t.engine['payload.preview']({ payload }))
    expect(await t.engine['conn.send']({ connId, payload })).toEqual({ bytes: bytes.length })
    expect(await client.atLeast(bytes.length)).toEqual(bytes)
    expect(await captured(t.engine, connId, 'server')).toEqual(bytes)
  })

  it('sends nothing when the payload is bad', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    const client = new SocketReader(await connectTo(portOf(server.listen)))
    const connId = await connIdOf(t.engine, client.socket)
    expect(await oneLineRejection(t.engine['conn.send']({ connId, payload: { kind: 'hex', data: 'abc' } }))).toMatch(/odd number of hex digits/)
    await t.engine['conn.send']({ connId, payload: { kind: 'text', data: 'ok' } })
    expect((await client.atLeast(2)).toString()).toBe('ok')
  })

  it('refuses to drive a proxy connection', async () => {
    t = await testEngine()
    const upstream = await startServer((s) => s.resume())
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${upstream.port}` })
    const client = await connectTo(portOf(proxy.listen))
    const conn = await waitFor(() => t.engine.capture.connections().find((c) => c.kind === 'proxy'), 'the proxy connection')
    const expected = `connection #${conn.id} is not an open session connection (only server and client sessions can be driven by hand)`
    expect(await oneLineRejection(t.engine['conn.send']({ connId: conn.id, payload: { kind: 'text', data: 'x' } }))).toBe(expected)
    expect(await oneLineRejection(t.engine['conn.reset']({ connId: conn.id }))).toBe(expected)
    expect(await oneLineRejection(t.engine['conn.interval']({ connId: conn.id }))).toBe(expected)
    expect(await oneLineRejection(t.engine['conn.expect']({ connId: conn.id, pattern: 'x', timeoutMs: 10 }))).toBe(expected)
    expect(summaryOf(t.engine, conn.id).bytes.server).toBe(0)
    client.destroy()
    await upstream.close()
  })

  it('refuses an unknown connection id', async () => {
    t = await testEngine()
    const expected = 'connection #42 is not an open session connection (only server and client sessions can be driven by hand)'
    expect(await oneLineRejection(t.engine['conn.send']({ connId: 42, payload: { kind: 'text', data: 'x' } }))).toBe(expected)
    expect(await oneLineRejection(t.engine['conn.end']({ connId: 42 }))).toBe(expected)
    expect(await oneLineRejection(t.engine['conn.destroy']({ connId: 42 }))).toBe(expected)
    expect(await oneLineRejection(t.engine['conn.resume']({ connId: 42 }))).toBe(expected)
    expect(await oneLineRejection(t.engine['conn.sequence']({ connId: 42, steps: [] }))).toBe(expected)
  })

  it('refuses sends and interval sends after our FIN on a client session', async () => {
    t = await testEngine()
    let accepted!: (s: Socket) => void
    const remoteSide = new Promise<Socket>((r) => (accepted = r))
    const server = await startServer((s) => accepted(s))
    const { connId } = await t.engine['client.connect']({ target: `127.0.0.1:${server.port}` })
    const remote = await remoteSide
    remote.resume()
    await t.engine['conn.end']({ connId: connId! })
    await once(remote, 'end')
    const finSent = `connection #${connId}: you already sent FIN, so nothing more can be sent`
    expect(await oneLineRejection(t.engine['conn.send']({ connId: connId!, payload: { kind: 'text', data: 'x' } }))).toBe(finSent)
    expect(await oneLineRejection(t.engine['conn.interval']({ connId: connId!, everyMs: 10, payload: { kind: 'text', data: 'x' } }))).toBe(finSent)
    expect(
      await oneLineRejection(t.engine['conn.sequence']({ connId: connId!, steps: [{ payload: { kind: 'text', data: 'x' } }] }))
    ).toBe(finSent)
    expect(summaryOf(t.engine, connId!).bytes.client).toBe(0)
    await server.close()
  })

  it('refuses new sessions once the engine is shutting down, as a rejected promise', async () => {
    t = await testEngine()
    const session = await t.engine['client.connect']({ target: `127.0.0.1:${portOf((await t.engine['server.start']({ listen: '127.0.0.1:0' })).listen)}` })
    await t.engine.close()
    // A front end awaits every command: a refusal must come as a rejection, never a throw.
    const started = t.engine['server.start']({ listen: '127.0.0.1:0' })
    const connected = t.engine['client.connect']({ target: '127.0.0.1:1' })
    const reconnected = t.engine['client.reconnect']({ clientId: session.id })
    expect(await oneLineRejection(started)).toBe('the engine is shutting down')
    expect(await oneLineRejection(connected)).toBe('the engine is shutting down')
    expect(await oneLineRejection(reconnected)).toBe('the engine is shutting down')
  })
})
