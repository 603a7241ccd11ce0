// The contract through each transport, Electron IPC and web mode's WebSocket: every
// command answers good arguments, and every error a user can cause comes back as its own
// code and one-line message, never "internal error". Bytes travel as bytes.
import { failInvalidNamesLocally } from '../../helpers/local-dns'
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { readFileSync, writeFileSync } from 'node:fs'
import { commandNames, type CommandName } from '../../../src/shared/contract'
import { EngineError } from '../../../src/shared/errors'
import { LIVE_CAPTURE } from '../../../src/shared/capture-types'
import { collect, connectTo, listen, startServer, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { overIpc, overWeb, type FrontEnd } from '../../helpers/front-ends'
import { ALL_FILE_ACCESS } from '../../../src/core/front/engine-endpoint'
import { writeSampleCapture } from '../../helpers/sample-capture'

let t: TestEngine
const cleanups: Array<() => unknown> = []
beforeEach(() => onTestFinished(failInvalidNamesLocally()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

async function frontEnd(kind: 'ipc' | 'web'): Promise<FrontEnd> {
  t = await testEngine()
  const fe = kind === 'ipc' ? overIpc(t.engine) : await overWeb(t.engine)
  cleanups.push(() => fe.close())
  return fe
}

/** The engine's error for a call: its code and message (failing the test if it succeeds). */
async function error(fe: FrontEnd, cmd: CommandName, args: unknown): Promise<{ code: string; message: string }> {
  try {
    await fe.client.call(cmd, args as never)
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError)
    const e = err as EngineError
    expect(e.message).not.toMatch(/\n/)
    return { code: e.code, message: e.message }
  }
  throw new Error(`${cmd} succeeded`)
}

describe.each(['ipc', 'web'] as const)('over %s', (kind) => {
  it('refuses an unknown field for every command, naming the command and the field', async () => {
    const fe = await frontEnd(kind)
    for (const cmd of commandNames) {
      const e = await error(fe, cmd, { zzz: 1 })
      expect(e.code, cmd).toBe('EINVAL')
      expect(e.message, cmd).toMatch(new RegExp(`^invalid arguments for ${cmd.replace('.', '\\.')}: (zzz: unknown field|argument: expected no argument, got object|[a-zA-Z.]+: expected .*)$`))
    }
    expect(fe.logged).toEqual([])
  })

  it('refuses an unknown command', async () => {
    const fe = await frontEnd(kind)
    expect(await error(fe, 'no.such' as CommandName, {})).toEqual({ code: 'EINVAL', message: 'unknown command "no.such"' })
  })

  it('gives each user error its own code and line', async () => {
    const fe = await frontEnd(kind)
    const taken = createServer()
    const takenPort = await listen(taken)
    cleanups.push(() => new Promise<void>((r) => taken.close(() => r())))
    const notCapture = join(t.dir, 'notes.txt')
    writeFileSync(notCapture, 'hello')

    const cases: Array<[CommandName, unknown, string, RegExp]> = [
      ['payload.preview', { payload: { kind: 'hex', data: 'zz' } }, 'EPAYLOAD', /^bad hex digit "z" at position 1/],
      ['payload.preview', { payload: { kind: 'text', data: 'a\\q' } }, 'EPAYLOAD', /^bad escape "\\q" at position 2/],
      ['conn.read', { capture: LIVE_CAPTURE, connId: 7, dir: 'client', offset: 0, length: 10 }, 'ENOCONN', /^no connection #7 in this capture$/],
      ['conn.events', { capture: LIVE_CAPTURE, connId: 7 }, 'ENOCONN', /^no connection #7/],
      ['conn.turns', { capture: LIVE_CAPTURE, connId: 7 }, 'ENOCONN', /^no connection #7/],
      ['conn.activity', { capture: LIVE_CAPTURE, ids: [1], from: 10, to: 5, buckets: 4 }, 'EINVAL', /^activity: the window must end after it starts/],
      ['conn.activity', { capture: LIVE_CAPTURE, ids: [1], from: 0, to: 5, buckets: 0 }, 'EINVAL', /^invalid arguments for conn\.activity: buckets: expected a number >= 1/],
      ['conn.read', { capture: 'f9', connId: 1, dir: 'client', offset: 0, length: 10 }, 'ENOCAPTURE', /^no open capture "f9"/],
      ['conn.page', { capture: LIVE_CAPTURE, offset: 0, limit: 10, filter: 'state:sleeping' }, 'EINVAL', /^filter state:sleeping: use one of open, closed/],
      ['conn.page', { capture: LIVE_CAPTURE, offset: 0, limit: 10, filter: 'colour:red' }, 'EINVAL', /^unknown filter word "colour:"/],
      ['proxy.start', { listen: `127.0.0.1:${takenPort}`, target: '127.0.0.1:9' }, 'EADDRINUSE', /the port is already in use/],
      ['proxy.start', { listen: '127.0.0.1:0', target: 'nowhere' }, 'EINVAL', /^--target: bad address "nowhere"/],
      ['proxy.stop', { proxyId: 'p9' }, 'ENOENT', /^no proxy "p9"/],
      ['capture.open', { path: notCapture }, 'ENOTCAPTURE', /is not a tcpscope capture file/],
      ['capture.open', { path: join(t.dir, 'missing.tcap') }, 'ENOENT', /^no such file: /],
      ['capture.close', { capture: LIVE_CAPTURE }, 'ESTATE', /^the live capture closes with the engine/],
      ['capture.save', { path: t.capturePath }, 'EEXIST', /that is the live capture itself/],
      ['capture.save', { path: notCapture }, 'ENOTCAPTURE', /is not a tcpscope capture, and only captures are ever replaced; pick another name$/],
      ['capture.save', { path: notCapture, confirm: 'made-up' }, 'ENOTCAPTURE', /is not a tcpscope capture/],
      ['conn.send', { connId: 3, payload: { kind: 'text', data: 'x' } }, 'ENOCONN', /^connection #3 is not an open session connection/],
      ['server.stop', { serverId: 's9' }, 'ENOENT', /^no server session "s9"/],
      ['client.connect', { target: 'unknown.invalid:80' }, 'ENOTFOUND', /^unknown host in unknown\.invalid:80/],
      ['client.connect', { target: `127.0.0.1:${await closedPort()}` }, 'ECONNREFUSED', /^connection refused by 127\.0\.0\.1:\d+/],
      ['conn.search', { capture: LIVE_CAPTURE, connId: 1, dir: 'client', pattern: { kind: 'hex', value: 'zz' } }, 'EPAYLOAD', /^bad hex digit "z"/],
      ['conn.search', { capture: LIVE_CAPTURE, connId: 1, dir: 'client', pattern: { kind: 'regex', value: '(' } }, 'EINVAL', /^search: bad regular expression/],
      ['conn.search', { capture: LIVE_CAPTURE, connId: 99, dir: 'client', pattern: { kind: 'text', value: 'x' } }, 'ENOCONN', /no connection #99/],
      ['capture.upload.begin', { name: 'huge.tcap', size: 2 ** 40 }, 'EFBIG', /^huge\.tcap is 1\.00 TiB; uploads here take at most 4\.00 GiB/],
      ['capture.upload.chunk', { upload: 'u9', offset: 0, data: new Uint8Array(4) }, 'ESTATE', /^no upload "u9" under way/],
      ['capture.upload.chunk', { upload: 'u9', offset: 0, data: [1, 2, 3] }, 'EINVAL', /^invalid arguments for capture\.upload\.chunk: data: expected bytes, got an array$/],
      ['capture.upload.end', { upload: 'u9' }, 'ESTATE', /^no upload "u9" under way/]
    ]
    for (const [cmd, args, code, message] of cases) {
      const e = await error(fe, cmd, args)
      expect({ cmd, code: e.code }).toEqual({ cmd, code })
      expect(e.message, cmd).toMatch(message)
    }
    expect(fe.logged).toEqual([])
  })

  it('runs a proxy, pages its connections, reads their bytes as bytes, finds a pattern and locates it', async () => {
    const fe = await frontEnd(kind)
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const proxy = await fe.client.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    for (const text of ['first hello', 'second, with a needle in it']) {
      const c = await connectTo(portOf(proxy.listen))
      const echoed = collect(c)
      c.end(text)
      await echoed
    }
    await waitFor(() => t.engine.capture.connections().every((c) => c.end === 'closed') && t.engine.capture.connections().length === 2, 'both to close')

    const page = await fe.client.call('conn.page', { capture: LIVE_CAPTURE, offset: 0, limit: 10, filter: 'state:closed', sort: 'sent', descending: true })
    expect(page.total).toBe(2)
    expect(page.rows.map((r) => r.id)).toEqual([2, 1])
    expect(await fe.client.call('conn.get', { capture: LIVE_CAPTURE, ids: [2, 99] })).toEqual([expect.objectContaining({ id: 2 })])

    const bytes = await fe.client.call('conn.read', { capture: LIVE_CAPTURE, connId: 2, dir: 'server', offset: 0, length: 100 })
    expect(bytes).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(bytes).toString()).toBe('second, with a needle in it')

    const found = await fe.client.call('conn.search', { capture: LIVE_CAPTURE, connId: 2, dir: 'client', pattern: { kind: 'text', value: 'needle' } })
    expect(found).toEqual({ found: true, offset: 15, length: 6 })
    const { index } = await fe.client.call('conn.locate', { capture: LIVE_CAPTURE, connId: 2, dir: 'client', offset: 15 })
    const events = await fe.client.call('conn.events', { capture: LIVE_CAPTURE, connId: 2, from: index, limit: 1 })
    expect(events.events[0]).toMatchObject({ kind: 'data', dir: 'client', offset: 0 })
    expect(events.total).toBeGreaterThan(4)

    const turns = await fe.client.call('conn.turns', { capture: LIVE_CAPTURE, connId: 2 })
    expect(turns.turns.filter((tn) => tn.kind === 'data')).toMatchObject([
      { dir: 'client', offset: 0, length: 27 },
      { dir: 'server', offset: 0, length: 27 }
    ])
    const [conn] = await fe.client.call('conn.get', { capture: LIVE_CAPTURE, ids: [2] })
    const activity = await fe.client.call('conn.activity', { capture: LIVE_CAPTURE, ids: [2], from: conn.openedAt, to: conn.closedAt! + 1, buckets: 1 })
    expect(activity.conns).toEqual([{ id: 2, client: [27], server: [27], exact: true }])
  })

  it('cancels a long command: a conn.expect that would wait a minute ends at once with ECANCELED', async () => {
    const fe = await frontEnd(kind)
    const server = await startServer(() => {})
    cleanups.push(server.close)
    const client = await fe.client.call('client.connect', { target: `127.0.0.1:${server.port}` })
    const abort = new AbortController()
    const waiting = fe.client.call('conn.expect', { connId: client.connId!, pattern: 'never', timeoutMs: 60_000 }, { signal: abort.signal })
    setTimeout(() => abort.abort(), 50)
    await expect(waiting).rejects.toMatchObject({ code: 'ECANCELED' })
  })

  it('saves the live capture while recording, and opens the copy beside it', async () => {
    const fe = await frontEnd(kind)
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const proxy = await fe.client.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const c = await connectTo(portOf(proxy.listen))
    c.write('kept open')
    await once(c, 'data')
    const copy = join(t.dir, 'copy.tcap')
    const saved = await fe.client.call('capture.save', { path: copy })
    expect(saved).toMatchObject({ path: copy, connections: 1 })
    // Saving again asks first: the refusal carries the token a confirmed retry sends back.
    const asked = await fe.client.call('capture.save', { path: copy }).catch((e: unknown) => e as EngineError)
    expect(asked).toBeInstanceOf(EngineError)
    expect(asked).toMatchObject({ code: 'EEXIST', message: expect.stringMatching(/^.+copy\.tcap already exists \(a tcpscope capture, .+\); replace it\?$/) })
    expect((asked as EngineError).confirm).toMatch(/^[0-9a-f]{32}$/)
    expect(await fe.client.call('capture.save', { path: copy, confirm: (asked as EngineError).confirm })).toMatchObject({ path: copy, connections: 1 })
    const opened = await fe.client.call('capture.open', { path: copy })
    expect(opened).toMatchObject({ id: 'f1', name: 'copy.tcap', live: false, connections: 1 })
    expect(opened.cutAt).toBeUndefined()
    const [row] = (await fe.client.call('conn.page', { capture: opened.id, offset: 0, limit: 10 })).rows
    expect(row).toMatchObject({ id: 1, end: 'saved-open', bytes: { client: 9, server: 9 } })
    expect((await fe.client.call('capture.list')).map((x) => x.id)).toEqual(['live', 'f1'])
    await fe.client.call('capture.close', { capture: opened.id })
    expect((await fe.client.call('capture.list')).map((x) => x.id)).toEqual(['live'])
    c.destroy()
  })
})

describe.each(['ipc', 'web'] as const)('uploads over %s', (kind) => {
  it('carry a capture as bytes in chunks and open it; a file that is not a capture is refused at its first chunk', async () => {
    const fe = await frontEnd(kind)
    const source = join(t.dir, 'source.tcap')
    await writeSampleCapture(source, { connections: 2, chunks: 3 })
    const bytes = readFileSync(source)
    const { upload } = await fe.client.call('capture.upload.begin', { name: 'sent.tcap', size: bytes.length })
    for (let at = 0; at < bytes.length; at += 256) {
      const { received } = await fe.client.call('capture.upload.chunk', { upload, offset: at, data: bytes.subarray(at, at + 256) })
      expect(received).toBe(Math.min(at + 256, bytes.length))
    }
    const info = await fe.client.call('capture.upload.end', { upload })
    expect(info).toMatchObject({ name: 'sent.tcap', connections: 2 })
    expect((await fe.client.call('conn.page', { capture: info.id, offset: 0, limit: 10 })).total).toBe(2)

    const text = new TextEncoder().encode('not a capture at all')
    const other = await fe.client.call('capture.upload.begin', { name: 'notes.txt', size: text.length })
    expect(await error(fe, 'capture.upload.chunk', { upload: other.upload, offset: 0, data: text })).toEqual({
      code: 'ENOTCAPTURE',
      message: 'notes.txt is not a tcpscope capture file (no TCPSCAP header)'
    })
    expect(fe.logged).toEqual([])
  })
})

describe('what a front end may do', () => {
  it('web mode refuses payloads that read the host files unless started with --allow-files; IPC allows them', async () => {
    t = await testEngine()
    const file = join(t.dir, 'payload.bin')
    writeFileSync(file, 'from a file')
    const web = await overWeb(t.engine)
    cleanups.push(() => web.close())
    const e = await error(web, 'payload.preview', { payload: { kind: 'file', data: file } })
    expect(e).toEqual({ code: 'EFORBIDDEN', message: "payload.preview: sending a file's contents reads the engine host's files, which is off here; start tcpscope web with --allow-files to allow it" })
    const allowed = await overWeb(t.engine, { files: ALL_FILE_ACCESS })
    cleanups.push(() => allowed.close())
    expect(Buffer.from(await allowed.client.call('payload.preview', { payload: { kind: 'file', data: file } })).toString()).toBe('from a file')
    const ipc = overIpc(t.engine)
    cleanups.push(() => ipc.close())
    expect(Buffer.from(await ipc.client.call('payload.preview', { payload: { kind: 'file', data: file } })).toString()).toBe('from a file')
  })

  it('a real bug is "internal error" to the front end and logged with its stack', async () => {
    t = await testEngine()
    const fe = overIpc(t.engine)
    cleanups.push(() => fe.close())
    const original = t.engine['proxy.list']
    t.engine['proxy.list'] = () => Promise.reject(new TypeError('cannot read properties of undefined'))
    cleanups.push(() => (t.engine['proxy.list'] = original))
    expect(await error(fe, 'proxy.list', undefined)).toEqual({ code: 'EINTERNAL', message: "proxy.list failed: internal error (details are in tcpscope's log)" })
    expect(fe.logged[0]).toMatch(/^tcpscope: proxy\.list failed: TypeError: cannot read properties of undefined/)
  })
})

async function closedPort(): Promise<number> {
  const s = createServer()
  const port = await listen(s)
  await new Promise<void>((r) => s.close(() => r()))
  return port
}
