// `tcpscope show --as delivered` prints each exchange and message as its receiver got it:
// the request a rewrite rule changed as the target got it, a mock's answer as the client got
// it (as sent too: tcpscope sent it on the client's leg), a request a rule reset with no response, a redis command the script rewrote and one a
// rule answered in the target's place, a line the script dropped; --json says the same. What
// nothing changed prints as it does as sent. Real proxies with a rules file or a script, curl,
// redis-server and redis-cli, and a line server over TCP.
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
import { startRedis } from '../helpers/redis'

const run = promisify(execFile)
const haveCurl = hasProgram('curl')
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const curl = (...args: string[]): Promise<{ stdout: string; stderr: string }> => run('curl', ['-sS', '--max-time', '15', ...args])
const redisCli = async (port: number, ...args: string[]): Promise<string> => (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim()

function dir(): string {
  const d = tempDir()
  cleanups.push(d.cleanup)
  return d.dir
}

const listening = (args: string[]): Promise<{ cli: CliProcess; port: number }> => listeningCli(args, cleanups)

function closing(server: Server | ReturnType<typeof createTcpServer>): void {
  cleanups.push(() => new Promise((r) => server.close(r)))
}

/** `show FILE ARGS`, which must succeed. */
async function show(...args: string[]): Promise<string> {
  const r = await runCli(['show', ...args])
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return r.stdout
}

/** Each exchange's text (from its `#N exchange` line to the next), by its request line. */
function exchangeTexts(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const block of text.split(/\n(?=#\d+ exchange )/).slice(1)) out.set(/\n(GET \S+)/.exec(block)![1], block.replace(/\n#\d+ \d+\.\d+\.\d+\.\d+:\d+ -> [\s\S]*$/, ''))
  return out
}

const jsonLines = <T>(text: string): T[] =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T)

interface ExchangeJson {
  url: string
  status?: number
  state: string
  as?: string
  changed?: { notes: string[]; request?: boolean; response?: boolean; noResponse?: boolean }
  requestHeaders: Array<[string, string]>
  responseHeaders: Array<[string, string]>
  responseBody?: { text: string }
}

interface MessageJson {
  message: number
  dir: string
  size: number
  summary: string
  payload: { text?: string }
  changed?: string
  as?: string
  delivered?: boolean
  sent?: { size: number; summary: string }
  answer?: { dir: string; size: number; summary: string; payload: { text?: string } }
}

describe('tcpscope show --as delivered', () => {
  it('prints a rewritten request as the target got it, a mock answer as the client got it, and a reset request with no response', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    const server = createServer((req, res) => res.end(`backend ${req.url}`))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    cleanups.push(() => server.closeAllConnections())
    closing(server)
    const d = dir()
    const rules = join(d, 'rules.json')
    writeFileSync(
      rules,
      JSON.stringify({
        rules: [
          { name: 'tag requests', match: { http: { path: '/tagged' } }, steps: [{ rewrite: { request: { headers: { 'user-agent': 'tcpscope-test' } } } }] },
          { name: 'mock the user', match: { http: { path: '/api/user' } }, steps: [{ respond: { json: { name: 'from-rule' } } }] },
          { name: 'fail once', match: { http: { path: '/flaky' } }, steps: [{ reset: true }] }
        ]
      })
    )
    const capture = join(d, 'rules.tcap')
    const { cli, port } = await listening(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${(server.address() as { port: number }).port}`, '--rules', rules, '--capture', capture])
    const url = (p: string): string => `http://127.0.0.1:${port}${p}`
    expect((await curl('-A', 'curl-test', url('/tagged'))).stdout).toBe('backend /tagged')
    expect((await curl('-A', 'curl-test', url('/api/user'))).stdout).toBe('{"name":"from-rule"}')
    await expect(curl('-A', 'curl-test', url('/flaky'))).rejects.toThrow(/reset/i)
    expect((await curl('-A', 'curl-test', url('/plain'))).stdout).toBe('backend /plain')
    await cli.stop()

    const sent = exchangeTexts(await show(capture))
    const explicit = await show(capture, '--as', 'sent')
    const delivered = exchangeTexts(await show(capture, '--as', 'delivered'))
    // --as sent is what show prints without --as.
    expect(exchangeTexts(explicit)).toEqual(sent)

    const tagged = delivered.get('GET /tagged')!
    expect(sent.get('GET /tagged')).toContain('\nUser-Agent: curl-test\n')
    expect(tagged).toContain('\nUser-Agent: tcpscope-test\n')
    expect(tagged).not.toContain('curl-test')
    expect(tagged).toMatch(/\n\(changed: the request as the target got it: rule "tag requests": [^\n]*; shown below as each receiver got it\)\nGET \/tagged HTTP\/1\.1\n/)

    // The mock's answer, which the target never sent: either way it is the client's response
    // (what tcpscope sent on the client's leg), its start line marked as the rule's.
    for (const text of [sent, delivered]) {
      expect(text.get('GET /api/user')).toMatch(/\nHTTP\/1\.1 200 OK {3}\(mock: rule "mock the user", the target never got the request\)\ncontent-type: application\/json\n[^]*\n\n\{"name":"from-rule"\}\n$/)
    }
    expect(sent.get('GET /api/user')).toContain("(changed: the response tcpscope gave the client in the target's place (the target never got the request): rule \"mock the user\": ")
    expect(delivered.get('GET /api/user')).toContain('(changed: the response as the client got it (the target never got the request): rule "mock the user": ')

    // A reset request: no response either way, and the line says what the rule did.
    for (const text of [sent, delivered]) {
      expect(text.get('GET /flaky')).not.toMatch(/\nHTTP\/1\.1 \d{3} /)
      expect(text.get('GET /flaky')).toMatch(/\n\(reset by rule "fail once": the target never got the request\)\n$/)
    }
    // What nothing changed prints the same.
    expect(delivered.get('GET /plain')).toBe(sent.get('GET /plain'))

    const json = jsonLines<ExchangeJson>(await show(capture, '--as', 'delivered', '--json'))
    const byPath = (p: string): ExchangeJson => json.find((e) => e.url.endsWith(p))!
    expect(byPath('/tagged')).toMatchObject({ as: 'delivered', changed: { request: true } })
    expect(byPath('/tagged').requestHeaders).toContainEqual(['User-Agent', 'tcpscope-test'])
    expect(byPath('/api/user')).toMatchObject({ as: 'delivered', status: 200, state: 'complete', changed: { response: true }, responseBody: { text: '{"name":"from-rule"}' } })
    expect(byPath('/api/user').responseHeaders).toContainEqual(['content-type', 'application/json'])
    expect(byPath('/flaky').status).toBeUndefined()
    const sentJson = jsonLines<ExchangeJson>(await show(capture, '--json'))
    expect(sentJson.find((e) => e.url.endsWith('/tagged'))!.requestHeaders).toContainEqual(['User-Agent', 'curl-test'])
    // As sent too: the answer tcpscope gave in the target's place.
    expect(sentJson.find((e) => e.url.endsWith('/api/user'))).toMatchObject({ status: 200, state: 'complete', responseBody: { text: '{"name":"from-rule"}' } })
    expect(sentJson.find((e) => e.url.endsWith('/api/user'))!.as).toBeUndefined()
    expect(byPath('/plain')).toEqual(sentJson.find((e) => e.url.endsWith('/plain')))
  })

  it('prints a redis command the script rewrote as the target got it, and one a rule answered with the answer the client got', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli'))
    const d = dir()
    const redis = await startRedis(d)
    cleanups.push(redis.stop)
    await redisCli(redis.port, 'SET', 'k', 'from-k')
    await redisCli(redis.port, 'SET', 'k2', 'from-k2')
    const script = join(d, 'hooks.js')
    writeFileSync(
      script,
      [
        'export function onMessage(msg) {',
        "  if (msg.dir === 'client' && msg.fields.command === 'GET' && msg.fields.key === 'k') msg.bytes = new TextEncoder().encode('*2\\r\\n$3\\r\\nGET\\r\\n$2\\r\\nk2\\r\\n')",
        '}',
        ''
      ].join('\n')
    )
    const rules = join(d, 'rules.json')
    writeFileSync(rules, JSON.stringify({ rules: [{ name: 'flag on', match: { resp: { command: 'GET', key: 'feature-flag' } }, steps: [{ respond: { resp: { bulk: 'on' } } }] }] }))
    const capture = join(d, 'redis.tcap')
    const { cli, port } = await listening(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${redis.port}`, '--script', script, '--rules', rules, '--capture', capture])
    expect(await redisCli(port, 'GET', 'k')).toBe('from-k2')
    expect(await redisCli(port, 'GET', 'feature-flag')).toBe('on')
    expect(await redisCli(port, 'GET', 'k2')).toBe('from-k2')
    await cli.stop()

    const messageLines = (text: string): string[] => text.split('\n').filter((l) => /^#\d+ message \d+ client -> /.test(l) && / GET /.test(l))
    const sent = messageLines(await show(capture))
    const delivered = messageLines(await show(capture, '--as', 'delivered'))
    const tail = (l: string): string => l.replace(/^#\d+ message \d+ client -> \S+ /, '')
    expect(sent.map(tail)).toEqual(['20 B GET k (changed by the script; answered by 2)', '32 B GET feature-flag (answered by rule "flag on")', '21 B GET k2 (answered by 2)'])
    expect(delivered.map(tail)).toEqual([
      '21 B GET k2 (changed by the script: as the target got it; sent: 20 B GET k; answered by 2)',
      '32 B GET feature-flag (answered by rule "flag on": the target never got it; the client got instead: 8 B on)',
      '21 B GET k2 (answered by 2)'
    ])

    const json = jsonLines<MessageJson>(await show(capture, '--as', 'delivered', '--json')).filter((m) => m.dir === 'client' && m.summary.includes('GET'))
    expect(json[0]).toMatchObject({ as: 'delivered', changed: 'rewritten', size: 21, summary: 'GET k2', payload: { text: '*2\r\n$3\r\nGET\r\n$2\r\nk2\r\n' }, sent: { size: 20, summary: 'GET k' } })
    expect(json[1]).toMatchObject({ as: 'delivered', changed: 'answered', delivered: false, summary: 'GET feature-flag', answer: { dir: 'server', size: 8, summary: 'on', payload: { text: '$2\r\non\r\n' } } })
    // Unchanged: the same line either way.
    const sentJson = jsonLines<MessageJson>(await show(capture, '--json')).filter((m) => m.dir === 'client' && m.summary.includes('GET'))
    expect(json[2]).toEqual(sentJson[2])
    expect(sentJson[0]).toMatchObject({ summary: 'GET k', changed: 'rewritten' })
    expect(sentJson[0].as).toBeUndefined()
  })

  it('says a message the script dropped reached no one, as text and in --json', async () => {
    const capture = await scriptedLinesCapture(dir(), listening, cleanups)

    const clientLines = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('#1 message ') && l.includes('client ->'))
    const tail = (l: string): string => l.replace(/^#1 message \d+ client -> \S+ /, '')
    expect(clientLines(await show(capture, '--as', 'delivered')).map(tail)).toEqual([
      '8 B crimson (changed by the script: as the target got it; sent: 5 B blue)',
      '5 B ping (dropped by the script: the target got none of it)',
      '4 B red'
    ])
    // The server's answers nothing changed print the same.
    const serverLines = (text: string): string[] => text.split('\n').filter((l) => l.includes('server <-'))
    expect(serverLines(await show(capture, '--as', 'delivered'))).toEqual(serverLines(await show(capture)))

    const json = jsonLines<MessageJson>(await show(capture, '--as', 'delivered', '--json')).filter((m) => m.dir === 'client')
    expect(json[0]).toMatchObject({ as: 'delivered', changed: 'rewritten', size: 8, payload: { text: 'crimson\n' }, sent: { size: 5 } })
    expect(json[1]).toMatchObject({ as: 'delivered', changed: 'dropped', delivered: false, payload: { text: 'ping\n' } })
    expect(json[2].as).toBeUndefined()
  })

  it('takes sent or delivered, and says so in one line otherwise', async () => {
    const r = await runCli(['show', 'any.tcap', '--as', 'received'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('tcpscope: show: --as must be one of sent, delivered, got "received"\n')
    const help = await runCli(['show', '--help'])
    expect(help.stdout).toMatch(/--as sent\|delivered/)
  })
})
