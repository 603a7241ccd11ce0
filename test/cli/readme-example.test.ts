// The guide's proxy example (docs/proxying.md) runs as written: the script is taken from the page, and only
// its ports (free ones instead of 6379 and 6380) and the path of bin/tcpscope.js change.
import { afterEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { CLI } from '../helpers/cli'
import { freePort, tempDir } from '../helpers/net'
import { needPeer } from '../helpers/peers'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const MARKER = '<!-- test/cli/readme-example.test.ts runs this script -->'

function readmeScript(): string {
  const readme = readFileSync(resolve(__dirname, '../../docs/proxying.md'), 'utf8')
  const at = readme.indexOf(MARKER)
  expect(at, 'docs/proxying.md marks its example script').toBeGreaterThan(0)
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))
  return block![1]
}

/** A port nothing listens on right now (the kernel's pick, released at once). */
describe('the guide (docs/proxying.md)', () => {
  it('runs its proxy example in front of Redis as a script: it waits for the proxy, stops it by its pid, and lists and exports the capture', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const original = readmeScript()
    for (const part of ['--listen 6380', '--target 127.0.0.1:6379', 'redis-cli -p 6380', './bin/tcpscope.js']) expect(original).toContain(part)
    const [redisPort, proxyPort] = [await freePort(), await freePort()]
    const script = original
      .replace(/\b6379\b/g, String(redisPort))
      .replace(/\b6380\b/g, String(proxyPort))
      .replaceAll('./bin/tcpscope.js', `'${CLI}'`)

    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    // Its own process group, so whatever it started in the background goes if it fails.
    const sh = spawn('sh', ['-c', script], { cwd: dir, detached: true })
    cleanups.push(() => {
      try {
        process.kill(-sh.pid!, 'SIGKILL')
      } catch {
        // The group is gone already: the script cleaned up after itself.
      }
    })
    let stdout = ''
    let stderr = ''
    sh.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    sh.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const [code] = (await once(sh, 'close')) as [number | null]

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    expect(stdout).toMatch(/^OK$/m)
    expect(stdout).toMatch(new RegExp(`^1\\s+proxy\\s+127\\.0\\.0\\.1:\\d+\\s+127\\.0\\.0\\.1:${redisPort}\\s`, 'm'))
    expect(stdout).toContain('00000000: 2a33 0d0a 2433 0d0a 5345 540d 0a24 380d  *3..$3..SET..$8.')
    const jsonl = readFileSync(join(dir, 'proxy.jsonl'), 'utf8').trim().split('\n')
    expect(JSON.parse(jsonl[0])).toMatchObject({ type: 'listening', listen: `127.0.0.1:${proxyPort}` })
    expect(JSON.parse(jsonl.at(-1)!)).toMatchObject({ type: 'summary', connections: 1, signal: 'SIGTERM' })
  })
})
