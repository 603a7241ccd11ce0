// The commands the tests run by the CLI's main() in their own process (runCli's IN_PROCESS,
// test/helpers/cli.ts) end their process on their own when spawned, leaving nothing running,
// and answer the same both ways; run in-process, they leave no thread, socket or timer
// behind in the test's process either.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli, spawnCli } from '../helpers/cli'
import { startServer, tempDir } from '../helpers/net'
import { writeSampleCapture } from '../helpers/sample-capture'

const tmp = tempDir('tcpscope-cli-ends-')
const capture = join(tmp.dir, 'sample.tcap')
let pong: Awaited<ReturnType<typeof startServer>>

beforeAll(async () => {
  await writeSampleCapture(capture, { connections: 3, chunks: 2 })
  // The sample's target, answering as it did.
  pong = await startServer((s) => {
    s.on('data', () => s.write('+PONG\r\n'))
    s.on('end', () => s.end())
  })
})
afterAll(async () => {
  await pong.close()
  tmp.cleanup()
})

/** Timings change from run to run (a replay's milliseconds); the rest must not. */
const steady = (text: string): string => text.replace(/\d+(\.\d+)? ?ms\b/g, 'N ms')

/** What a command could leave running in this process: sockets, servers, watchers and threads (vitest's own timers and pipes come and go). */
function running(): { resources: string[]; threads: number } {
  // Linux says its threads in /proc; elsewhere the handles are what is compared.
  const threads = existsSync('/proc/self/status') ? Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) : 0
  return { resources: process.getActiveResourcesInfo().filter((r) => /TCP|Pipe|FSEvent|StatWatcher|Process|UDP|MessagePort/.test(r)).sort(), threads }
}

describe('the commands the tests run in-process', () => {
  const cases = (): string[][] => [
    ['ls', capture],
    ['ls', capture, '--json'],
    ['show', capture],
    ['show', capture, '--conn', '2', '--json'],
    ['export', capture, '--format', 'har'],
    ['export', capture, '--conn', '1', '--direction', 'client', '--format', 'hex'],
    ['replay', capture, '--conn', '1', '--target', `127.0.0.1:${pong.port}`],
    ['rules', 'from', capture, '--conn', '1', '--message', '1'],
    ['show', join(tmp.dir, 'missing.tcap')],
    ['help'],
    ['--version']
  ]

  it('end their process on their own when spawned, and answer the same in-process', async () => {
    for (const args of cases()) {
      const spawned = await spawnCli(args)
      const inside = await runCli(args)
      const label = args.join(' ')
      expect(inside.code, label).toBe(spawned.code)
      expect(steady(inside.stdout), label).toBe(steady(spawned.stdout))
      expect(steady(inside.stderr), label).toBe(steady(spawned.stderr))
    }
  })

  it('leave nothing running in the test process', async () => {
    await runCli(['show', capture]) // the bundle and its chunks loaded once
    const before = running()
    for (let i = 0; i < 3; i++) for (const args of cases()) await runCli(args)
    // Closing what ended (a socket's handle, a worker's thread) takes a turn or two.
    await expect.poll(() => running()).toEqual(before)
  })
})
