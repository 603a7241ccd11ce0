// The CLI's `ls` and `export` read a capture through the engine's commands, as the UI
// does: on the same file, `ls --json` lists what conn.page gives, and every export format
// writes what capture.export writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ConnectionSummary } from '../../src/shared/capture-types'
import type { CommandArgs } from '../../src/shared/contract'
import { runCli } from '../helpers/cli'
import { testEngine, type TestEngine } from '../helpers/engine'
import { closedConnections } from '../helpers/capture-checks'
import { hasProgram, needPeer } from '../helpers/peers'
import { curl, exportTarget } from '../core/export/export-traffic'

let recording: TestEngine
/** Another engine, with the recorded file open in it as the UI opens one. */
let reader: TestEngine
let file = ''
let conns: ConnectionSummary[] = []

beforeAll(async () => {
  recording = await testEngine()
  if (hasProgram('curl')) {
    const target = await exportTarget()
    try {
      const proxy = await recording.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${target.port}` })
      await curl([`http://${proxy.listen}/json`, `http://${proxy.listen}/big`])
      await curl(['-d', 'a=1', `http://${proxy.listen}/echo`])
      conns = await closedConnections(recording.engine, 2)
    } finally {
      await target.close()
    }
  }
  await recording.engine.close()
  reader = await testEngine()
  file = (await reader.engine['capture.open']({ path: recording.capturePath })).id
})
afterAll(async () => {
  await reader?.dispose()
  await recording?.dispose()
})

describe('the CLI and the engine on one capture', () => {
  it('ls --json lists the connections conn.page gives', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const ls = await runCli(['ls', recording.capturePath, '--json'])
    expect(ls).toMatchObject({ code: 0, stderr: '' })
    const page = await reader.engine['conn.page']({ capture: file, offset: 0, limit: 100, protocols: false })
    expect(ls.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(page.rows)
    expect(page.rows.map((r) => r.id)).toEqual(conns.map((c) => c.id))
  })

  it('export writes, to stdout and with -o, what capture.export writes', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const id = conns[1].id
    const jobs: Array<{ args: string[]; job: Omit<CommandArgs<'capture.export'>, 'capture'> }> = [
      { args: ['--format', 'raw', '--direction', 'server'], job: { format: 'raw', direction: 'server', connIds: [id] } },
      { args: ['--format', 'hex', '--direction', 'client'], job: { format: 'hex', direction: 'client', connIds: [id] } },
      { args: ['--format', 'jsonl'], job: { format: 'jsonl', connIds: [id] } },
      { args: ['--format', 'curl', '--exchange', '1'], job: { format: 'curl', exchange: 0, connIds: [id] } },
      { args: ['--format', 'har'], job: { format: 'har' } },
      { args: ['--format', 'pcapng'], job: { format: 'pcapng' } }
    ]
    for (const [i, { args, job }] of jobs.entries()) {
      const engineOut = join(reader.dir, `engine-${i}`)
      await reader.engine['capture.export']({ capture: file, ...job, path: engineOut })
      const expected = await readFile(engineOut)
      const conn = job.format === 'har' || job.format === 'pcapng' ? [] : ['--conn', String(id)]
      const toStdout = await runCli(['export', recording.capturePath, ...conn, ...args])
      expect(toStdout).toMatchObject({ code: 0, stderr: '' })
      expect(toStdout.stdoutBytes.equals(expected), job.format).toBe(true)
      const cliOut = join(reader.dir, `cli-${i}`)
      expect(await runCli(['export', recording.capturePath, ...conn, ...args, '-o', cliOut])).toMatchObject({ code: 0, stdout: '', stderr: '' })
      expect((await readFile(cliOut)).equals(expected), job.format).toBe(true)
    }
  })
})
