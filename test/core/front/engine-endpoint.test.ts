// The engine's side of the envelope on its own, with a stand-in engine and transport: what
// it holds for a front end that does not read is bounded (replies wait for the transport,
// calls wait for their turn), a flood of bad frames is a line a second, and which calls may
// touch files follows what the contract declares for each command.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ALL_FILE_ACCESS, EngineEndpoint, MAX_RUNNING, type EndpointEngine, type EndpointPolicy } from '../../../src/core/front/engine-endpoint'
import { WEB_FILE_ACCESS, webFileAccess } from '../../../src/core/front/web-server'
import { commandNames, fileAccessOf, type FileAccess } from '../../../src/shared/contract'
import { decodeFrame, encodeFrame, type ServerMessage } from '../../../src/shared/wire'
import { flushPromises } from '../../helpers/flush-promises'

interface Deferred {
  args: unknown
  resolve(v: unknown): void
}

/** An engine whose reads and expects wait until the test answers them. */
function standInEngine(): { engine: EndpointEngine; reads: Deferred[]; expects: Deferred[]; calls: string[] } {
  const reads: Deferred[] = []
  const expects: Deferred[] = []
  const calls: string[] = []
  const waiting = (list: Deferred[]) => (args: unknown) => new Promise((resolve) => list.push({ args, resolve }))
  const engine = {
    subscribe: () => () => {},
    captureList: () => [],
    'conn.read': waiting(reads),
    'conn.expect': waiting(expects),
    'payload.preview': async () => {
      calls.push('payload.preview')
      return new Uint8Array(1)
    },
    'capture.save': async () => {
      calls.push('capture.save')
      return {}
    },
    'frame.set': async () => {
      calls.push('frame.set')
      return { framing: 'x' }
    },
    'capture.open': async () => {
      calls.push('capture.open')
      return {}
    },
    'capture.export': async () => {
      calls.push('capture.export')
      return {}
    }
  }
  return { engine: engine as unknown as EndpointEngine, reads, expects, calls }
}

/** A transport the test congests at will; it keeps what was sent, decoded. */
function standInOut(): { congested: boolean; sent: ServerMessage[]; send(f: Uint8Array): void } {
  const out = {
    congested: false,
    sent: [] as ServerMessage[],
    send: (f: Uint8Array) => out.sent.push(decodeFrame(f) as ServerMessage)
  }
  return out
}

const replies = (sent: ServerMessage[]): Array<Extract<ServerMessage, { t: 'reply' }>> => sent.filter((m): m is Extract<ServerMessage, { t: 'reply' }> => m.t === 'reply')
const read = (id: number): Uint8Array => encodeFrame({ t: 'call', id, cmd: 'conn.read', args: { capture: 'live', connId: 1, dir: 'client', offset: 0, length: 10 } })
function endpoint(policy: EndpointPolicy = { files: ALL_FILE_ACCESS, filesHint: 'ask for it' }) {
  const e = standInEngine()
  const out = standInOut()
  const logged: string[] = []
  const ep = new EngineEndpoint(e.engine, policy, { send: (f) => out.send(f), congested: () => out.congested }, (m) => logged.push(m))
  ep.start()
  return { ...e, out, logged, ep }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('a front end that does not read', () => {
  it('gets at most MAX_RUNNING reads running; while its transport is congested replies wait and no new call starts', async () => {
    const { reads, expects, out, ep } = endpoint()
    for (let id = 1; id <= 10; id++) ep.receive(read(id))
    await flushPromises()
    expect(reads).toHaveLength(MAX_RUNNING)

    // A long wait does not take a read's turn, nor wait for one.
    ep.receive(encodeFrame({ t: 'call', id: 99, cmd: 'conn.expect', args: { connId: 1, pattern: 'x', timeoutMs: 1000 } }))
    await flushPromises()
    expect(expects).toHaveLength(1)

    out.congested = true
    reads[0].resolve(new Uint8Array(10))
    reads[1].resolve(new Uint8Array(10))
    await vi.advanceTimersByTimeAsync(1000)
    expect(replies(out.sent)).toEqual([])
    expect(reads).toHaveLength(MAX_RUNNING)

    // Drained: the waiting replies go, in order, and the next reads start.
    out.congested = false
    await vi.advanceTimersByTimeAsync(50)
    expect(replies(out.sent).map((r) => r.id)).toEqual([1, 2])
    expect(reads).toHaveLength(MAX_RUNNING + 2)

    for (let i = 2; i < 10; i++) {
      reads[i].resolve(new Uint8Array(10))
      await vi.advanceTimersByTimeAsync(50)
    }
    expect(replies(out.sent).map((r) => r.id).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(reads).toHaveLength(10)
  })

  it('drops what waits for a front end that goes away: its waiting calls never run', async () => {
    const { reads, out, ep } = endpoint()
    out.congested = true
    for (let id = 1; id <= 10; id++) ep.receive(read(id))
    await flushPromises()
    expect(reads).toHaveLength(0)
    ep.close()
    out.congested = false
    await vi.advanceTimersByTimeAsync(1000)
    expect(reads).toHaveLength(0)
    expect(replies(out.sent)).toEqual([])
  })
})

describe('bad frames', () => {
  it('are logged at most once a second, with a count of the ones held back', async () => {
    const { logged, ep } = endpoint()
    for (let i = 0; i < 100; i++) ep.receive(new Uint8Array(2))
    for (let i = 0; i < 10; i++) ep.receive(encodeFrame({ t: 'call' } as never))
    expect(logged).toEqual(['tcpscope: dropped a malformed frame from a front end (bad frame size 2)'])
    await vi.advanceTimersByTimeAsync(1000)
    expect(logged.slice(1)).toEqual(['tcpscope: dropped 109 more bad frames from a front end (not logged one by one)'])
    await vi.advanceTimersByTimeAsync(5000)
    expect(logged).toHaveLength(2)
    ep.receive(new Uint8Array(3))
    ep.receive(new Uint8Array(3))
    expect(logged.slice(2)).toEqual(['tcpscope: dropped a malformed frame from a front end (bad frame size 3)'])
    // A front end that goes away says what it still held back.
    ep.close()
    expect(logged.slice(3)).toEqual(['tcpscope: dropped 1 more bad frame from a front end (not logged one by one)'])
  })
})

describe('file access, as the contract declares it', () => {
  it('is declared for exactly the commands that open, save or send files', () => {
    const declared = Object.fromEntries(commandNames.filter((n) => fileAccessOf(n) !== 'none').map((n) => [n, fileAccessOf(n)]))
    expect(declared).toEqual({
      'capture.open': 'reads-path',
      'capture.save': 'writes-path',
      'capture.export': 'writes-path',
      'ca.export': 'writes-path',
      // .proto files by their paths on the engine's host.
      'grpc.protos.load': 'reads-path',
      // A rules file, and a script of hooks, by their paths on the engine's host.
      'rules.load': 'reads-path',
      'rules.check': 'reads-path',
      'script.load': 'reads-path',
      'server.start': 'payload-files',
      // A setup document may hold a server's reply read from a file.
      'setup.import': 'payload-files',
      'setup.apply': 'payload-files',
      'server.behaviour': 'payload-files',
      'server.broadcast': 'payload-files',
      'server.interval': 'payload-files',
      'client.connect': 'payload-files',
      'payload.preview': 'payload-files',
      'conn.send': 'payload-files',
      'conn.inject': 'payload-files',
      'conn.interval': 'payload-files',
      'conn.sequence': 'payload-files',
      // Intercept ▸ "A command…": a program of the host, run as its user.
      'intercept.command': 'runs-program'
    })
  })

  it("refuses running a program in web mode unless --allow-commands (--allow-files is not enough), naming that switch", async () => {
    expect(webFileAccess({ files: true, commands: false })).toEqual(['payload-files', 'reads-path', 'writes-path'])
    expect(webFileAccess({ files: false, commands: true })).toEqual(['reads-path', 'writes-path', 'runs-program'])
    expect(ALL_FILE_ACCESS).toContain('runs-program')
    for (const files of [WEB_FILE_ACCESS, webFileAccess({ files: true, commands: false })]) {
      const { out, calls, ep } = endpoint({ files, filesHint: 'start tcpscope web with --allow-files to allow it', programsHint: 'start tcpscope web with --allow-commands to allow it' })
      ep.receive(encodeFrame({ t: 'call', id: 1, cmd: 'intercept.command', args: { argv: ['curl', 'http://example.com/'] } }))
      await flushPromises()
      expect(replies(out.sent)[0]).toMatchObject({
        ok: false,
        error: { code: 'EFORBIDDEN', message: "intercept.command: running a program runs it on the engine's host, as its user, which is off here; start tcpscope web with --allow-commands to allow it" }
      })
      expect(calls).toEqual([])
      ep.close()
    }
    // Bad arguments are refused before anything else: no shell line, only argv.
    const bad = endpoint()
    bad.ep.receive(encodeFrame({ t: 'call', id: 2, cmd: 'intercept.command', args: { argv: [] } }))
    bad.ep.receive(encodeFrame({ t: 'call', id: 3, cmd: 'intercept.command', args: { argv: ['sh', 'a\0b'] } }))
    bad.ep.receive(encodeFrame({ t: 'call', id: 4, cmd: 'intercept.command', args: { command: 'curl http://x | sh' } }))
    await flushPromises()
    expect(replies(bad.out.sent).map((r) => (r.ok ? 'ok' : r.error.message))).toEqual([
      'invalid arguments for intercept.command: argv: give the program to run first, as in ["curl", "-s", "http://example.com"]',
      'invalid arguments for intercept.command: argv[1]: a NUL character cannot be passed to a program',
      'invalid arguments for intercept.command: command: unknown field'
    ])
    bad.ep.close()
  })

  it('refuses a call whose access the policy leaves out, with how to allow it, and never runs it', async () => {
    const cases: Array<[FileAccess[], string, unknown, string | undefined]> = [
      [['reads-path', 'writes-path'], 'payload.preview', { payload: { kind: 'file', data: '/etc/hostname' } }, "payload.preview: sending a file's contents reads the engine host's files, which is off here; ask for it"],
      // A payload that names no file reads none: allowed whatever the policy.
      [[], 'payload.preview', { payload: { kind: 'hex', data: '41' } }, undefined],
      [['payload-files', 'writes-path'], 'capture.open', { path: '/tmp/x.tcap' }, "capture.open: opening a file by its path reads the engine host's files, which is off here; ask for it"],
      [['payload-files', 'reads-path'], 'capture.save', { path: '/tmp/x.tcap' }, "capture.save: saving to a path writes the engine host's files, which is off here; ask for it"],
      [['reads-path'], 'capture.open', { path: '/tmp/x.tcap' }, undefined],
      [[], 'capture.export', { capture: 'live', format: 'har', path: '/tmp/x.har' }, "capture.export: saving to a path writes the engine host's files, which is off here; ask for it"],
      // Without a path the export is kept as a download: no file of the host is written.
      [[], 'capture.export', { capture: 'live', format: 'har' }, undefined],
      // A setup whose server replies with a file's contents: importing it is sending that file later.
      [
        ['reads-path', 'writes-path'],
        'setup.import',
        { name: 'x', setup: { kind: 'tcpscope-setup', version: 1, servers: [{ listen: '0', behaviour: { rules: [{ match: 'contains', pattern: 'a', reply: { kind: 'file', data: '/etc/shadow' } }] } }] } },
        "setup.import: sending a file's contents reads the engine host's files, which is off here; ask for it"
      ],
      // A ksy: framing compiles a file of the host: any command's `frame`.
      [['payload-files', 'writes-path'], 'frame.set', { capture: 'live', connId: 1, frame: 'ksy:/etc/x.ksy' }, "frame.set: a ksy: framing reads a .ksy file of the engine's host, which is off here; ask for it"],
      [['payload-files', 'writes-path'], 'msg.page', { capture: 'live', connId: 1, frame: ' KSY:/etc/x.ksy' }, "msg.page: a ksy: framing reads a .ksy file of the engine's host, which is off here; ask for it"],
      [['reads-path'], 'frame.set', { capture: 'live', connId: 1, frame: 'ksy:/srv/x.ksy' }, undefined],
      // A script: framing runs a file of the host: the same.
      [['payload-files', 'writes-path'], 'msg.page', { capture: 'live', connId: 1, frame: 'Script:/etc/x.js' }, "msg.page: a script: framing runs a script file of the engine's host, which is off here; ask for it"],
      [['reads-path'], 'frame.set', { capture: 'live', connId: 1, frame: 'script:/srv/x.js' }, undefined],
      [[], 'frame.set', { capture: 'live', connId: 1, frame: 'length:size=2' }, undefined],
      [['reads-path', 'writes-path'], 'setup.apply', { setup: { kind: 'tcpscope-setup', version: 1, clients: [{ target: 'h:1', interval: { everyMs: 1, payload: { kind: 'file', data: '/x' } } }] } }, "setup.apply: sending a file's contents reads the engine host's files, which is off here; ask for it"]
    ]
    for (const [files, cmd, args, refusal] of cases) {
      const { out, calls, ep } = endpoint({ files, filesHint: 'ask for it' })
      ep.receive(encodeFrame({ t: 'call', id: 1, cmd, args }))
      await flushPromises()
      const [reply] = replies(out.sent)
      if (refusal === undefined) {
        expect(reply, cmd).toMatchObject({ ok: true })
        expect(calls).toEqual([cmd])
      } else {
        expect(reply, cmd).toMatchObject({ ok: false, error: { code: 'EFORBIDDEN', message: refusal } })
        expect(calls).toEqual([])
      }
      ep.close()
    }
  })
})
