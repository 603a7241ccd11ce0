// ls and export on a capture another tcpscope is still recording: open connections show
// as open, with everything recorded up to the moment asked, and a note says it is live,
// not cut.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { join } from 'node:path'
import { runCli } from '../helpers/cli'
import { connectTo, startServer, tempDir } from '../helpers/net'
import { startCliProxy } from '../helpers/cli-proxy'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('reading a capture that is being recorded', () => {
  it('ls shows the open connection as open and says the file is live; export returns what was recorded so far', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const capture = join(dir, 'live.tcap')
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const cli = await startCliProxy({ target: `127.0.0.1:${server.port}`, capture })
    cleanups.push(() => cli.stop('SIGKILL'))
    const c = await connectTo(cli.port)
    c.write('still talking')
    await once(c, 'data')

    const ls = await runCli(['ls', capture, '--json'])
    expect(ls.code).toBe(0)
    expect(JSON.parse(ls.stdout.trim())).toMatchObject({ id: 1, end: 'open', bytes: { client: 13, server: 13 } })
    expect(ls.stderr.trim()).toBe(JSON.stringify({ type: 'live', writerPid: cli.pid }))
    const text = await runCli(['ls', capture])
    expect(text.stdout).toMatch(/\bopen$/m)
    expect(text.stderr.trim()).toBe(`note: ${capture} is still being recorded (by pid ${cli.pid}); this is what it held a moment ago`)

    const out = await runCli(['export', capture, '--conn', '1', '--direction', 'server'])
    expect(out.code).toBe(0)
    expect(out.stdout).toBe('still talking')
    c.end()
  })
})
