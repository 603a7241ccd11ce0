// `tcpscope export FILE --format har|pcapng|curl`: the engine's exporters from the command
// line, on a capture recorded from real traffic; progress stays off stderr when it is not
// a terminal, and mistakes in the line are one-line usage errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { har as validateHar } from 'har-validator'
import type { ConnectionSummary } from '../../src/shared/capture-types'
import { FileCapture } from '../../src/core/capture/file-capture'
import { runCli } from '../helpers/cli'
import { testEngine, type TestEngine } from '../helpers/engine'
import { closedConnections } from '../helpers/capture-checks'
import { hasProgram, needPeer } from '../helpers/peers'
import { curl, exportTarget, followAll, JSON_BODY } from '../core/export/export-traffic'

let t: TestEngine
let conns: ConnectionSummary[] = []

beforeAll(async () => {
  t = await testEngine()
  if (!hasProgram('curl')) return
  const target = await exportTarget()
  try {
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${target.port}` })
    await curl([`http://${proxy.listen}/json`, `http://${proxy.listen}/bin`])
    await curl(['-d', 'a=1', `http://${proxy.listen}/echo`])
    conns = await closedConnections(t.engine, 2)
  } finally {
    await target.close()
  }
  // Closing the engine completes the file (its index stored), as a CLI proxy leaves it.
  await t.engine.close()
})
afterAll(() => t?.dispose())

describe('tcpscope export --format har|pcapng|curl', () => {
  it('writes pcapng that tshark follows back to the captured bytes', async (ctx) => {
    if (!needPeer('tshark', 'curl')) return ctx.skip()
    const out = join(t.dir, 'cli.pcapng')
    const r = await runCli(['export', t.capturePath, '--format', 'pcapng', '-o', out])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    const followed = await followAll(out, 4)
    const file = await FileCapture.open(t.capturePath)
    try {
      for (const c of conns) {
        const client = await file.readBytes(c.id, 'client', 0, c.bytes.client)
        expect(followed.filter((f) => f.sent[0].equals(client))).toHaveLength(2)
      }
    } finally {
      await file.close()
    }
    const one = await runCli(['export', t.capturePath, '--format', 'pcapng', '--conn', String(conns[1].id)])
    expect(one.code).toBe(0)
    expect(one.stdoutBytes.length).toBeLessThan((await readFile(out)).length)
  })

  it('writes HAR of every exchange, or of the connections named, to stdout', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const all = await runCli(['export', t.capturePath, '--format', 'har'])
    expect(all).toMatchObject({ code: 0, stderr: '' })
    const har = JSON.parse(all.stdout) as { log: { entries: Array<{ request: { url: string }; response: { content: { text?: string } } }> } }
    await expect(validateHar(har)).resolves.toBeDefined()
    expect(har.log.entries.map((e) => new URL(e.request.url).pathname)).toEqual(['/json', '/bin', '/echo'])
    expect(har.log.entries[0].response.content.text).toBe(JSON.stringify(JSON_BODY))
    const some = await runCli(['export', t.capturePath, '--format', 'har', '--conn', `${conns[1].id},${conns[1].id}`])
    expect((JSON.parse(some.stdout) as { log: { entries: unknown[] } }).log.entries).toHaveLength(1)
  })

  it('prints one request as a curl command', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const r = await runCli(['export', t.capturePath, '--format', 'curl', '--conn', String(conns[1].id), '--exchange', '1'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^printf '.*' \| curl \\\n {2}--http1\.1 \\\n {2}--path-as-is \\\n {2}--request-target '\/echo' \\\n {2}--request 'POST'/)
  })

  it('takes the only exchange of a connection that has one, and asks which of one that has more', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const only = await runCli(['export', t.capturePath, '--format', 'curl', '--conn', String(conns[1].id)])
    expect(only.code).toBe(0)
    expect(only.stdout).toBe((await runCli(['export', t.capturePath, '--format', 'curl', '--conn', String(conns[1].id), '--exchange', '1'])).stdout)
    const two = await runCli(['export', t.capturePath, '--format', 'curl', '--conn', String(conns[0].id)])
    expect(two.code).not.toBe(0)
    expect(two.stderr.trim()).toBe(`tcpscope: export: curl exports one request: connection #${conns[0].id} has 2 HTTP exchanges; give --exchange N (its number on the connection, from 1 as \`show\` numbers them)`)
  })

  it('says what is wrong with the line, in one line', async () => {
    const fails = async (args: string[]): Promise<string> => {
      const r = await runCli(['export', t.capturePath, ...args])
      expect(r.code).not.toBe(0)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      return r.stderr.trim()
    }
    expect(await fails(['--format', 'curl'])).toMatch(/curl exports one request: give --conn ID and --exchange N/)
    expect(await fails(['--format', 'curl', '--conn', '1,2', '--exchange', '1'])).toMatch(/curl exports one request/)
    expect(await fails(['--format', 'har', '--direction', 'client'])).toMatch(/--direction is for raw, hex and jsonl/)
    expect(await fails(['--format', 'raw', '--direction', 'client'])).toMatch(/--conn is required/)
    expect(await fails(['--format', 'raw', '--direction', 'client', '--conn', '1,2'])).toMatch(/export: raw takes one connection, not 2: give one --conn \(har and pcapng take several\)/)
    expect(await fails(['--format', 'pcapng', '--conn', '9999'])).toMatch(/no connection #9999/)
    expect(await fails(['--format', 'zip'])).toMatch(/--format must be one of raw, hex, jsonl, har, pcapng, curl/)
  })

  it('names the new formats in its help', async () => {
    const r = await runCli(['export', '--help'])
    expect(r.stdout).toMatch(/--format raw\|hex\|jsonl\|har\|pcapng\|curl/)
    expect(r.stdout).toMatch(/har and pcapng cover every\s+connection, or those named/)
    expect(r.stdout).toMatch(/--exchange N/)
    expect(r.stdout).toMatch(/--quiet/)
  })
})
