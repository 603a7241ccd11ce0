// intercept.command through a real engine, with real programs (Node scripts run by
// process.execPath, sh) under the real proxychains4: a program's connection is recorded at its
// real destination through a forward proxy started for it, its exit code and output come back
// (bounded to the last 64 KiB per stream, the rest counted), a stop ends it, and a program
// or folder that is not there is one line with nothing left running.
import { createServer } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { InterceptedCommand } from '../../../src/shared/intercept-types'
import { OUTPUT_TAIL_BYTES } from '../../../src/shared/output-tail'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { listen, waitFor } from '../../helpers/net'
import { hasProgram, needProgram } from '../../helpers/peers'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
beforeEach((ctx) => needProgram(ctx, 'proxychains4 (apt-get install proxychains4)', hasProgram('proxychains4')))

async function engineForTest(): Promise<TestEngine> {
  const t = await testEngine()
  cleanups.push(t.dispose)
  return t
}

/** The command as its last command-updated event says it. */
const latest = (t: TestEngine, commandId: string): InterceptedCommand | undefined =>
  t.events.flatMap((e) => (e.type === 'command-updated' && e.command.commandId === commandId ? [e.command] : [])).pop()

const exited = (t: TestEngine, commandId: string): Promise<InterceptedCommand> =>
  waitFor(() => {
    const c = latest(t, commandId)
    return c?.state === 'exited' ? c : undefined
  }, `${commandId} to exit`)

/** What the command wrote to `stream`, from the output events. */
const written = (t: TestEngine, commandId: string, stream: 'stdout' | 'stderr'): string =>
  t.events.map((e) => (e.type === 'command-output' && e.commandId === commandId && e.stream === stream ? e.text : '')).join('')

function script(t: TestEngine, name: string, body: string): string {
  const path = join(t.dir, name)
  writeFileSync(path, body)
  return path
}

describe('intercept.command', () => {
  it("records a Node program's connection at its real destination, with its exit code and output", async () => {
    const t = await engineForTest()
    const http = createServer((req, res) => res.end(`hello ${req.url}`))
    const port = await listen(http)
    cleanups.push(() => new Promise((r) => http.close(r)))
    const path = script(
      t,
      'get.js',
      `const s = require('node:net').connect(${port}, '127.0.0.1', () => s.end('GET /app HTTP/1.0\\r\\n\\r\\n'))
       let got = ''; s.on('data', (c) => (got += c)); s.on('close', () => { process.stdout.write(got.split('\\r\\n\\r\\n')[1]); console.error('done'); process.exit(3) })`
    )
    const started = await t.engine['intercept.command']({ argv: [process.execPath, path], cwd: t.dir })
    expect(started).toMatchObject({ commandId: 'c1', argv: [process.execPath, path], cwd: t.dir, state: 'running', interceptTls: false })
    expect(started.pid).toBeGreaterThan(0)
    expect(t.engine.snapshot().commands).toEqual([started])
    const proxy = (await t.engine['proxy.list']()).find((p) => p.id === started.proxyId)
    expect(proxy).toMatchObject({ mode: 'forward', listen: started.proxy })

    const done = await exited(t, 'c1')
    expect(done).toMatchObject({ state: 'exited', exitCode: 3, connections: 1 })
    expect(done.note).toBeUndefined()
    expect(written(t, 'c1', 'stdout')).toBe('hello /app')
    expect(written(t, 'c1', 'stderr')).toBe('done\n')
    const [conn, ...more] = t.engine.capture.connections()
    expect(more).toEqual([])
    expect(conn).toMatchObject({ target: `127.0.0.1:${port}`, ownerId: started.proxyId })
    // Its proxy went with it; the command stays listed, with its output, until removed.
    expect((await t.engine['proxy.list']()).some((p) => p.id === started.proxyId)).toBe(false)
    expect(t.engine.snapshot().output).toEqual([
      { commandId: 'c1', stream: 'stdout', text: 'hello /app', dropped: 0 },
      { commandId: 'c1', stream: 'stderr', text: 'done\n', dropped: 0 }
    ])
    await t.engine['intercept.command.remove']({ commandId: 'c1' })
    expect(t.engine.snapshot().commands).toEqual([])
    expect(latest(t, 'c1')?.state).toBe('removed')
  })

  it('keeps the last 64 KiB of a stream and counts the rest; a program that opened nothing gets the static-binary note', async () => {
    const t = await engineForTest()
    // 200,000 bytes of numbered lines, the last one known.
    const path = script(t, 'talk.js', `let s = ''; for (let i = 0; i < 20000; i++) s += String(i).padStart(9, '0') + '\\n'; process.stdout.write(s)`)
    await t.engine['intercept.command']({ argv: [process.execPath, path] })
    const done = await exited(t, 'c1')
    expect(done).toMatchObject({ exitCode: 0, connections: 0 })
    expect(done.note).toMatch(/opened no TCP connection that tcpscope saw\. A statically linked program \(most Go binaries\) ignores LD_PRELOAD/)
    const [out] = t.engine.snapshot().output ?? []
    expect(out.text.length).toBe(OUTPUT_TAIL_BYTES)
    expect(out.dropped).toBe(200_000 - OUTPUT_TAIL_BYTES)
    expect(out.text.endsWith('000019999\n')).toBe(true)
    // Every byte reached the events, in order.
    expect(written(t, 'c1', 'stdout')).toHaveLength(200_000)
  })

  it('stops a running program (SIGTERM), tells the CA to trust when TLS is intercepted, and keeps stdin empty', async () => {
    const t = await engineForTest()
    const path = script(t, 'wait.js', `console.log(process.env.SSL_CERT_FILE); process.stdin.on('end', () => console.log('stdin ended')); process.stdin.resume(); setInterval(() => {}, 1000)`)
    const started = await t.engine['intercept.command']({ argv: [process.execPath, path], interceptTls: true })
    expect(started.interceptTls).toBe(true)
    await waitFor(() => written(t, 'c1', 'stdout').includes('stdin ended'), 'the program to start')
    expect(written(t, 'c1', 'stdout')).toBe(`${(await t.engine['ca.info']()).certPath}\nstdin ended\n`)
    const stopped = await t.engine['intercept.command.stop']({ commandId: 'c1' })
    expect(stopped).toMatchObject({ state: 'exited', signal: 'SIGTERM' })
    expect(stopped.exitCode).toBeUndefined()
    expect(() => process.kill(started.pid, 0)).toThrow()
  })

  it('refuses a program or a folder that is not there in one line, leaving no proxy behind', async () => {
    const t = await engineForTest()
    await expect(t.engine['intercept.command']({ argv: ['no-such-program-here', '-x'] })).rejects.toThrow(/^no-such-program-here: command not found$/)
    await expect(t.engine['intercept.command']({ argv: ['./nothing.sh'], cwd: t.dir })).rejects.toThrow(/^\.\/nothing\.sh: command not found$/)
    await expect(t.engine['intercept.command']({ argv: ['sh'], cwd: join(t.dir, 'gone') })).rejects.toThrow(/^working folder .*gone: no such folder; give a folder that exists$/)
    await expect(t.engine['intercept.command.stop']({ commandId: 'c9' })).rejects.toThrow('no command "c9"; it may have been removed')
    expect(await t.engine['proxy.list']()).toEqual([])
    expect(t.engine.snapshot().commands).toEqual([])
  })
})
