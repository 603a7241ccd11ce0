// `tcpscope browser`: a forward proxy and a browser through it, until the browser closes or
// a signal. A script stands in for Chromium here (it fetches its URL through the proxy it
// was given, with curl, then exits); the real browsers are in core/intercept.
import { afterEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLI, CliProcess, runCli } from '../helpers/cli'
import { tempDir } from '../helpers/net'
import { fakeBrowsers } from '../helpers/fake-browser'
import { startNginx, type Nginx } from '../helpers/nginx'
import { needPeer } from '../helpers/peers'

const FAKE_CHROMIUM = `#!/bin/sh
proxy=""
for a in "$@"; do
  case "$a" in --proxy-server=*) proxy="\${a#--proxy-server=}";; --user-data-dir=*) echo "\${a#--user-data-dir=}" > "$FAKE_OUT/profile";; esac
  url="$a"
done
curl -s -o "$FAKE_OUT/page" -x "$proxy" "$url"
[ "$FAKE_MODE" = stay ] && exec sleep 60
exit 0
`

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function fakeBrowserEnv(mode: 'exit' | 'stay'): { env: NodeJS.ProcessEnv; out: string } {
  const { dir, cleanup } = tempDir('tcpscope-browser-cli-')
  cleanups.push(cleanup)
  const bin = join(dir, 'bin')
  const out = join(dir, 'out')
  mkdirSync(bin)
  mkdirSync(out)
  writeFileSync(join(bin, 'chromium'), FAKE_CHROMIUM)
  chmodSync(join(bin, 'chromium'), 0o755)
  return { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_OUT: out, FAKE_MODE: mode }, out }
}

async function nginx(): Promise<Nginx> {
  const { dir, cleanup } = tempDir()
  const server = await startNginx(dir)
  cleanups.push(cleanup, server.stop)
  return server
}

describe('tcpscope browser', () => {
  it('--help names every option in its usage line', async () => {
    const r = await runCli(['browser', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^tcpscope browser: /)
    const lines = r.stdout.split('\n')
    const start = lines.findIndex((l) => l.startsWith('usage: '))
    const usage = lines.slice(start, lines.indexOf('', start)).join(' ')
    for (const option of ['--forward-port', '--url', '--capture', '--force', '--json', '--quiet']) expect(usage).toContain(option)
  })

  it('refuses a browser it does not know, and one that is not installed, in one line', async () => {
    const unknown = await runCli(['browser', 'opera'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toBe('tcpscope: browser: unknown browser "opera"; pick one of chromium, chrome, edge, firefox\n')
    if (existsSync('/opt/microsoft/msedge/msedge')) return
    const missing = await runCli(['browser', 'edge'], undefined, { PATH: '/nonexistent' })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^tcpscope: browser: edge is not installed \(.*\)\n$/)
  })

  it('records what the browser fetched through the forward proxy, and ends when it closes', async () => {
    if (!needPeer('nginx', 'curl')) return
    const server = await nginx()
    const { env, out } = fakeBrowserEnv('exit')
    const cli = new CliProcess([], spawn(process.execPath, [CLI, 'browser', 'chromium', '--url', `http://127.0.0.1:${server.port}/hello`], { env }))
    cleanups.push(() => void cli.stop('SIGKILL'))
    await cli.waitLine((l) => /^tcpscope: chromium \(pid \d+\) goes through the forward proxy on 127\.0\.0\.1:\d+/.test(l))
    await cli.waitLine((l) => l.includes(`-> 127.0.0.1:${server.port}`))
    await cli.waitLine((l) => l === 'tcpscope: chromium closed (exit code 0)')
    await cli.waitLine((l) => l.startsWith('tcpscope: the live capture (1 connection'))
    const [code] = await new Promise<[number | null]>((r) => (cli.child.exitCode !== null ? r([cli.child.exitCode]) : cli.child.once('exit', (c) => r([c]))))
    expect(code).toBe(0)
    expect(readdirSync(out)).toContain('page')
    expect(cli.stderr).toBe('')
  })

  it('fails with the reason when the browser cannot start', async () => {
    const { dir, cleanup } = tempDir('tcpscope-browser-cli-')
    cleanups.push(cleanup)
    const fake = fakeBrowsers(dir, ['chromium'], 'fail')
    const r = await runCli(['browser'], undefined, { ...fake.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^tcpscope: chromium \(pid \d+\) goes through the forward proxy on 127\.0\.0\.1:\d+ \(close it, or Ctrl-C, to stop\)\ntcpscope: chromium closed \(exit code 1\)\n/)
    expect(r.stderr).toBe('tcpscope: chromium exited (exit code 1): [1:1:ERROR] Missing X server or $DISPLAY\n')
  })

  it('closes the browser on Ctrl-C and removes its profile', async () => {
    if (!needPeer('nginx', 'curl')) return
    const server = await nginx()
    const { env, out } = fakeBrowserEnv('stay')
    const cli = new CliProcess([], spawn(process.execPath, [CLI, 'browser', '--json', '--url', `http://127.0.0.1:${server.port}/hello`], { env }))
    cleanups.push(() => void cli.stop('SIGKILL'))
    const first = JSON.parse(await cli.waitLine((l) => l.includes('"type":"browser"'))) as { browser: string; pid: number }
    expect(first.browser).toBe('chromium')
    await cli.waitLine((l) => l.includes('"type":"conn-event"') && l.includes('"kind":"close"'))
    expect(await cli.stop('SIGINT')).toBe(0)
    const closed = cli.lines.map((l) => JSON.parse(l) as { type: string; browser?: { state: string; profileDir: string } }).find((e) => e.type === 'browser-updated' && e.browser?.state === 'closed')
    expect(closed).toBeDefined()
    expect(existsSync(closed!.browser!.profileDir)).toBe(false)
    expect(existsSync(join(out, 'page'))).toBe(true)
  })
})
