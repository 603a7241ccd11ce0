// `tcpscope show` says what a traffic rule or the script changed of what the receivers got:
// an HTTP exchange a rule rewrote gets a line after its head naming the rule and the sides
// that got something else (and `changed` in --json), while an exchange nothing touched gets
// none; a raw connection's message the script rewrote or dropped is marked (`changed`,
// `rule` in --json). Real proxies, a rule file, curl, and a line server over TCP.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { listeningCli, runCli, type CliProcess } from '../helpers/cli'
import { tempDir } from '../helpers/net'
import { scriptedLinesCapture } from './scripted-lines'
import { hasProgram, needProgram } from '../helpers/peers'

const run = promisify(execFile)
const haveCurl = hasProgram('curl')
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const curl = (...args: string[]): Promise<{ stdout: string; stderr: string }> => run('curl', ['-sS', '--max-time', '15', ...args])

function dir(): string {
  const d = tempDir()
  cleanups.push(d.cleanup)
  return d.dir
}

const listening = (args: string[]): Promise<{ cli: CliProcess; port: number }> => listeningCli(args, cleanups)

function closing(server: Server | ReturnType<typeof createTcpServer>): void {
  cleanups.push(() => new Promise((r) => server.close(r)))
}

describe('tcpscope show of what a rule changed', () => {
  it('says after the head of a rewritten exchange which rule changed it and which sides got something else', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    const server = createServer((req, res) => res.end(`backend ${req.url}`))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    cleanups.push(() => server.closeAllConnections())
    closing(server)
    const d = dir()
    const rules = join(d, 'rules.yaml')
    writeFileSync(
      rules,
      [
        'rules:',
        '  - name: tag requests',
        '    match: { http: { path: /tagged } }',
        '    steps:',
        '      - rewrite:',
        '          request: { headers: { user-agent: tcpscope-test } }',
        '          response: { headers: { server: tagged } }'
      ].join('\n')
    )
    const capture = join(d, 'rules.tcap')
    const { cli, port } = await listening(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${(server.address() as { port: number }).port}`, '--rules', rules, '--capture', capture])
    expect((await curl('-i', `http://127.0.0.1:${port}/tagged`)).stdout).toMatch(/\r\nserver: tagged\r\n/i)
    expect((await curl(`http://127.0.0.1:${port}/plain`)).stdout).toBe('backend /plain')
    await cli.stop()

    const shown = await runCli(['show', capture])
    expect(shown.code).toBe(0)
    const lines = shown.stdout.split('\n')
    const changed = lines.filter((l) => l.startsWith('(changed'))
    expect(changed).toHaveLength(1)
    expect(changed[0]).toMatch(/^\(changed: the request as the target got it: rule "tag requests": .*; the response as the client got it: rule "tag requests": .*; shown below as each side sent it\)$/)
    // The line follows the head of the exchange it speaks of.
    expect(lines[lines.indexOf(changed[0]) - 1]).toMatch(/^#1 exchange 1 http1 /)
    // The request is still printed as curl sent it.
    expect(lines[lines.indexOf(changed[0]) + 1]).toBe('GET /tagged HTTP/1.1')

    const json = (await runCli(['show', capture, '--json'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { url: string; changed?: { notes: string[]; request?: boolean; response?: boolean } })
    const tagged = json.find((e) => e.url.endsWith('/tagged'))!
    expect(tagged.changed).toMatchObject({ request: true, response: true })
    expect(tagged.changed!.notes.join(' ')).toContain('rule "tag requests"')
    expect(json.find((e) => e.url.endsWith('/plain'))!.changed).toBeUndefined()
  })

  it("marks the messages the script changed and dropped, and says so in --json's changed and rule", async () => {
    const capture = await scriptedLinesCapture(dir(), listening, cleanups)

    const shown = await runCli(['show', capture])
    expect(shown.code).toBe(0)
    const messages = shown.stdout.split('\n').filter((l) => l.startsWith('#1 message '))
    expect(messages.filter((l) => l.includes('client ->')).map((l) => / \(([^)]*by the script)\)$/.exec(l)?.[1])).toEqual(['changed by the script', 'dropped by the script', undefined])

    const json = (await runCli(['show', capture, '--json'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { dir: string; changed?: string; rule?: { rule: string } })
      .filter((m) => m.dir === 'client')
    expect(json.map((m) => m.changed)).toEqual(['rewritten', 'dropped', undefined])
    expect(json[0].rule).toMatchObject({ rule: 'script' })
  })
})
