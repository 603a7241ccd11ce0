// A client session against real servers (redis-server, nginx): what we send and what they
// answer is recorded byte-exact, as `tcpscope export` shows from the finished capture.
import { afterEach, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { connectTo, freePort, waitFor } from '../../helpers/net'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { runCli } from '../../helpers/cli'
import { needPeer } from '../../helpers/peers'
import { startNginx } from '../../helpers/nginx'
import { closedSummary, summaryOf } from '../../helpers/sessions'

let t: TestEngine
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

/** A port the kernel just handed out and let go, for servers that cannot listen on 0 and report. */
/** Starts a server program and waits until its port accepts connections. */
async function startProgram(cmd: string, args: string[], port: number): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGKILL')
    await exited
  })
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${cmd} exited (${child.exitCode}): ${stderr}`)
    try {
      ;(await connectTo(port)).destroy()
      return child
    } catch (err) {
      if (i > 200) throw new Error(`${cmd} never listened on ${port}: ${String(err)} ${stderr}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }
}

/** One direction of a connection as `tcpscope export` writes it from the closed capture file. */
async function exported(connId: number, dir: 'client' | 'server'): Promise<Buffer> {
  const r = await runCli(['export', t.capturePath, '--conn', String(connId), '--direction', dir])
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return r.stdoutBytes
}

describe('client session against real servers', () => {
  it('talks RESP to redis-server: PING gets +PONG, exported byte-exact', async (ctx) => {
    if (!needPeer('redis-server')) return ctx.skip()
    t = await testEngine()
    const port = await freePort()
    await startProgram('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', t.dir], port)

    const session = await t.engine['client.connect']({ target: `127.0.0.1:${port}` })
    const connId = session.connId!
    const waiting = t.engine['conn.expect']({ connId, pattern: '\\+PONG', timeoutMs: 10_000 })
    expect(await t.engine['conn.send']({ connId, payload: { kind: 'text', data: '*1\\r\\n$4\\r\\nPING\\r\\n' } })).toEqual({ bytes: 14 })
    expect(await waiting).toEqual({ matched: true, match: '+PONG', groups: [] })
    // A command and its reply as a sequence: SET then GET, with a UTF-8 value (6 bytes).
    const seq = await t.engine['conn.sequence']({
      connId,
      steps: [
        { payload: { kind: 'text', data: '*3\\r\\n$3\\r\\nSET\\r\\n$1\\r\\nk\\r\\n$6\\r\\n你好\\r\\n' }, expect: '^\\+OK\\r\\n$' },
        { payload: { kind: 'text', data: '*2\\r\\n$3\\r\\nGET\\r\\n$1\\r\\nk\\r\\n' }, expect: '\\$6\\r\\n(.+)\\r\\n' }
      ]
    })
    expect(seq).toEqual({ completed: true, steps: [expect.objectContaining({ matched: true }), { sent: 20, matched: true, match: '$6\r\n你好\r\n' }] })
    await waitFor(() => summaryOf(t.engine, connId).bytes.server === 7 + 5 + 12, 'every reply to be recorded')

    await t.engine['conn.end']({ connId })
    await closedSummary(t.engine, connId)
    await t.engine.close()
    const sent = Buffer.concat([
      Buffer.from('*1\r\n$4\r\nPING\r\n'),
      Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\n你好\r\n'),
      Buffer.from('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n')
    ])
    expect(await exported(connId, 'client')).toEqual(sent)
    expect((await exported(connId, 'server')).toString()).toBe('+PONG\r\n+OK\r\n$6\r\n你好\r\n')
  })

  it('sends a PING alone and exports exactly it and +PONG', async (ctx) => {
    if (!needPeer('redis-server')) return ctx.skip()
    t = await testEngine()
    const port = await freePort()
    await startProgram('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', t.dir], port)
    const { connId } = await t.engine['client.connect']({ target: `127.0.0.1:${port}` })
    await t.engine['conn.send']({ connId: connId!, payload: { kind: 'text', data: '*1\\r\\n$4\\r\\nPING\\r\\n' } })
    expect(await t.engine['conn.expect']({ connId: connId!, pattern: '\\+PONG\\r\\n', fromOffset: 0, timeoutMs: 10_000 })).toMatchObject({ matched: true })
    await t.engine.close()
    expect(await exported(connId!, 'client')).toEqual(Buffer.from('*1\r\n$4\r\nPING\r\n'))
    expect(await exported(connId!, 'server')).toEqual(Buffer.from('+PONG\r\n'))
  })

  it('sends an HTTP request to nginx and records its response until nginx closes', async (ctx) => {
    if (!needPeer('nginx')) return ctx.skip()
    t = await testEngine()
    const nginx = await startNginx(t.dir)
    cleanups.push(nginx.stop)
    const port = nginx.port

    const { connId } = await t.engine['client.connect']({ target: `127.0.0.1:${port}` })
    const request = 'GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
    await t.engine['conn.send']({ connId: connId!, payload: { kind: 'text', data: request, escapes: false } })
    expect(await t.engine['conn.expect']({ connId: connId!, pattern: '^HTTP/1\\.1 (\\d+)', fromOffset: 0, timeoutMs: 10_000 })).toMatchObject({
      matched: true,
      groups: ['200']
    })
    // nginx closes after answering a `Connection: close` request; we answer its FIN with ours.
    await waitFor(() => summaryOf(t.engine, connId!).fin.server, 'the nginx FIN')
    await t.engine['conn.end']({ connId: connId! })
    expect(await closedSummary(t.engine, connId!)).toMatchObject({ end: 'closed', fin: { client: true, server: true } })
    await t.engine.close()

    expect((await exported(connId!, 'client')).toString()).toBe(request)
    const response = (await exported(connId!, 'server')).toString()
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(response).toMatch(/\r\nConnection: close\r\n/)
    expect(response).toMatch(/\r\nContent-Length: 17\r\n/)
    expect(response.endsWith('\r\n\r\nhello from nginx\n')).toBe(true)
  })
})
