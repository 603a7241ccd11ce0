// The rules and scripts from the CLI, as real processes: `rules check` in words and its
// one-line errors, `serve --rules` as a mock server with no target, and `proxy --script`
// with the issue's script: a header set, a status changed, a hook that throws and one that
// never returns, while other requests are still answered; `show` says what a rule did with a
// request the target never got (answered it, reset it). A rule an earlier one hides is warned
// of on stderr as `rules check` words it wherever rules are loaded: proxy --rules (and again
// when the saved file changes them), serve --rules, up.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { once } from 'node:events'
import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { CliProcess, listeningCli, runCli } from '../helpers/cli'
import { tempDir } from '../helpers/net'
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

async function backend(): Promise<{ port: number; seen: Array<Record<string, string | string[] | undefined>> }> {
  const seen: Array<Record<string, string | string[] | undefined>> = []
  const server: Server = createServer((req, res) => {
    seen.push({ url: req.url, ...req.headers })
    res.end(`backend ${req.url}`)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  cleanups.push(() => {
    server.closeAllConnections()
    return new Promise((r) => server.close(r))
  })
  return { port: (server.address() as { port: number }).port, seen }
}

describe('tcpscope rules check', () => {
  it('prints each rule in words', async () => {
    const file = join(dir(), 'rules.yaml')
    writeFileSync(
      file,
      [
        'rules:',
        '  - name: mock the user',
        '    match: { http: { method: GET, path: /api/user } }',
        '    steps: [ { respond: { status: 200, json: { name: from-rule } } } ]',
        '  - match: { resp: { command: GET, key: feature-flag } }',
        '    times: 2',
        '    steps: [ { delay: 100 }, { respond: { resp: { bulk: "on" } } } ]'
      ].join('\n')
    )
    const r = await runCli(['rules', 'check', file])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout.trim().split('\n')).toEqual([`${file}: 2 rules, tried in order (the first that matches acts)`, '1. mock the user: answer 200 with JSON', '2. redis GET feature-flag: wait 100 ms, then answer redis {"bulk":"on"} (2 times)'])
  })

  it('warns of a rule an earlier match-all rule hides, and only when it is certain', async () => {
    const file = join(dir(), 'rules.yaml')
    writeFileSync(
      file,
      [
        'rules:',
        '  - name: mock the user',
        '    match: { http: { method: GET, path: /api/user } }',
        '    steps: [ { respond: { status: 200 } } ]',
        '  - name: tag requests',
        '    match: { http: { path: { prefix: / } } }',
        '    steps: [ { rewrite: { request: { headers: { x-env: staging } } } } ]',
        '  - name: to the other server',
        '    match: { http: { path: { prefix: /other/ } } }',
        '    steps: [ { forward: { to: "http://127.0.0.1:9" } } ]',
        '  - name: fail once',
        '    once: true',
        '    match: { http: { method: [GET, post], path: /flaky } }',
        '    steps: [ { reset: true } ]',
        // Not certain: prefix `/` says nothing of a request with no path condition, nor of redis.
        '  - name: any request',
        '    match: { http: { method: PUT } }',
        '    steps: [ { reset: true } ]',
        '  - match: { resp: { command: GET } }',
        '    steps: [ { respond: { resp: { bulk: x } } } ]'
      ].join('\n')
    )
    const r = await runCli(['rules', 'check', file])
    expect(r.code).toBe(0)
    expect(r.stderr.trim().split('\n')).toEqual([
      'tcpscope: warning: rule 3 "to the other server" never acts: rule 2 "tag requests" matches everything it matches, and the first that matches acts',
      'tcpscope: warning: rule 4 "fail once" never acts: rule 2 "tag requests" matches everything it matches, and the first that matches acts'
    ])
  })

  it('does not warn past a rule with an act limit or one that is off, nor of a narrower earlier rule', async () => {
    const file = join(dir(), 'rules.yaml')
    writeFileSync(
      file,
      [
        'rules:',
        '  - match: { http: { path: { prefix: / } } }',
        '    once: true',
        '    steps: [ { delay: 1 } ]',
        '  - match: { http: { path: { prefix: / } } }',
        '    enabled: false',
        '    steps: [ { delay: 1 } ]',
        '  - match: { http: { method: GET, path: { prefix: /api/ } } }',
        '    steps: [ { reset: true } ]',
        '  - match: { http: { path: /api/user } }',
        '    steps: [ { reset: true } ]'
      ].join('\n')
    )
    const r = await runCli(['rules', 'check', file])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
  })

  /** YAML whose aliases, each naming the one before nine times, expand to billions of nodes. */
  const aliasBomb = (): string => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x]\n'
    for (let i = 1; i <= 11; i++) text += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]\n`
    return `${text}rules: *a11\n`
  }

  it('says in one line what is wrong and where', async () => {
    const d = dir()
    const cases: Array<[string, string, string]> = [
      ['bad.json', '{"rules":[{"name":"x","match":{"http":{"path":"/a"}},"steps":[{"respnd":{}}]}]}', 'rule 1 ("x").steps[0]: unknown field "respnd" (it takes respond, forward, rewrite, delay, close, reset, drop, timeout)'],
      ['regex.json', '{"rules":[{"match":{"http":{"path":{"regex":"(a)\\\\1"}}},"steps":[{"close":true}]}]}', 'rule 1.match.http.path: /(a)\\1/ uses a backreference'],
      ['notjson.json', '{"rules": [', 'not valid JSON'],
      ['notyaml.yaml', 'rules:\n  - name: x\n   steps: [\n', 'not valid YAML: Sequence item without - indicator'],
      // Aliases of aliases, nine a level, eleven levels: billions of nodes if expanded.
      ['aliases.yaml', aliasBomb(), 'not valid YAML: Excessive alias count'],
      ['top.json', '{"rule": []}', 'unknown field "rule" at the top of the rules file']
    ]
    for (const [name, text, want] of cases) {
      const file = join(d, name)
      writeFileSync(file, text)
      const r = await runCli(['rules', 'check', file])
      expect(r.code, name).not.toBe(0)
      expect(r.stderr, name).toContain(want)
      // Each names the file, whether reading it or compiling its rules found the mistake.
      expect(r.stderr, name).toContain(`${file}: `)
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1)
      expect(r.stderr, name).not.toMatch(/\n\s+at /)
    }
    const missing = await runCli(['rules', 'check', join(d, 'nope.json')])
    expect(missing.stderr.trim()).toBe(`tcpscope: cannot read the rules file ${join(d, 'nope.json')}: no such file`)
  })
})

describe('tcpscope rules from', () => {
  it('makes a rule that answers as a recorded gzip JSON response did, which serve --rules then answers with', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    const server: Server = createServer((_req, res) => {
      const body = gzipSync(JSON.stringify({ user: 'ann', id: 7 }))
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length, 'x-api': 'v2' })
      res.end(body)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise((r) => server.close(r)))
    const d = dir()
    const capture = join(d, 'api.tcap')
    const { cli, port } = await listening(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${(server.address() as { port: number }).port}`, '--capture', capture])
    expect((await curl('--compressed', `http://127.0.0.1:${port}/api/user?id=7`)).stdout).toBe('{"user":"ann","id":7}')
    await cli.stop()

    const made = await runCli(['rules', 'from', capture, '--conn', '1'])
    expect(made.stderr).toBe('')
    const doc = JSON.parse(made.stdout) as { rules: unknown[] }
    expect(doc.rules).toEqual([
      {
        name: 'mock GET /api/user',
        match: { http: { method: 'GET', path: '/api/user' } },
        steps: [{ respond: { status: 200, headers: { 'content-type': 'application/json', 'x-api': 'v2' }, json: { user: 'ann', id: 7 } } }]
      }
    ])
    const rules = join(d, 'mock.json')
    writeFileSync(rules, made.stdout)
    const mock = await listening(['serve', '--listen', '127.0.0.1:0', '--rules', rules])
    const answer = await curl('-i', `http://127.0.0.1:${mock.port}/api/user`)
    expect(answer.stdout).toMatch(/x-api: v2\r\n/)
    expect(answer.stdout.endsWith('\r\n\r\n{"user":"ann","id":7}')).toBe(true)
    const none = await runCli(['rules', 'from', capture, '--conn', '1', '--exchange', '3'])
    expect(none.stderr.trim()).toBe('tcpscope: connection #1 has no HTTP exchange 3 (it has 1)')
    // Rewrite requests like this one: a GET with only curl's own headers is filled in with one to edit.
    const rewrite = JSON.parse((await runCli(['rules', 'from', capture, '--conn', '1', '--rewrite'])).stdout) as { rules: unknown[] }
    expect(rewrite.rules).toEqual([{ name: 'rewrite GET /api/user', match: { http: { method: 'GET', path: '/api/user' } }, steps: [{ rewrite: { request: { headers: { 'x-rewritten-by': 'tcpscope' } } } }] }])
    const both = await runCli(['rules', 'from', capture, '--conn', '1', '--message', '1', '--rewrite'])
    expect(both.stderr.trim()).toMatch(/^tcpscope: rules from: --message makes a rule from a raw message; --exchange and --rewrite are for an HTTP exchange/)
  })
})

describe('a hidden rule where rules are loaded', () => {
  const tag = { name: 'tag requests', match: { http: { path: { prefix: '/' } } }, steps: [{ rewrite: { request: { headers: { 'x-env': 'staging' } } } }] }
  const other = { name: 'to the other server', match: { http: { path: { prefix: '/other/' } } }, steps: [{ reset: true }] }
  const teapot = { name: 'teapot', match: { http: { path: '/tea' } }, steps: [{ respond: { status: 418 } }] }
  const says = (rule: string, by: string): string => `rule ${rule} never acts: rule ${by} matches everything it matches, and the first that matches acts`

  it('proxy --rules warns as rules check does, still starts, and warns again when the saved file hides another', async () => {
    const file = join(dir(), 'rules.json')
    writeFileSync(file, JSON.stringify({ rules: [tag, other] }))
    const checked = await runCli(['rules', 'check', file])
    expect(checked.stderr.trim()).toBe(`tcpscope: warning: ${says('2 "to the other server"', '1 "tag requests"')}`)
    const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:9', '--rules', file])
    cleanups.push(() => cli.stop())
    await cli.waitLine((l) => l.startsWith('tcpscope: listening on '))
    // stderr is a pipe of its own: its line may come after the listening one.
    await expect.poll(() => cli.stderr.trim().split('\n')).toEqual([checked.stderr.trim()])
    // Saved: the file's new rules, one hidden by another rule.
    writeFileSync(file, JSON.stringify({ rules: [teapot, tag, { ...teapot, name: 'teapot again', match: { http: { path: '/teapot' } } }] }))
    await expect.poll(() => cli.stderr.trim().split('\n'), { timeout: 10_000 }).toEqual([checked.stderr.trim(), `tcpscope: warning: ${says('3 "teapot again"', '2 "tag requests"')}`])
    // Saved with none hidden: nothing more is said.
    writeFileSync(file, JSON.stringify({ rules: [other, tag] }))
    await new Promise((r) => setTimeout(r, 1500))
    expect(await cli.stop()).toBe(0)
    expect(cli.stderr.trim().split('\n')).toHaveLength(2)
  })

  it('serve --rules --json warns in a JSON line, once however often a rule acts; up warns of a setup\'s rules', async () => {
    const file = join(dir(), 'rules.json')
    writeFileSync(file, JSON.stringify({ rules: [teapot, tag, other] }))
    const { cli, port } = await listening(['serve', '--listen', '127.0.0.1:0', '--rules', file])
    const teaStatus = async (): Promise<number | undefined> => {
      const req = request({ host: '127.0.0.1', port, path: '/tea', headers: { Connection: 'close' } })
      req.end()
      const [res] = (await once(req, 'response')) as [IncomingMessage]
      res.resume()
      return res.statusCode
    }
    // The rule acts (its hits go to the front ends with the rules): nothing is said again.
    expect(await teaStatus()).toBe(418)
    expect(await teaStatus()).toBe(418)
    await cli.waitLine((l) => l.includes('"kind":"close"'))
    await expect.poll(() => cli.stderr.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown)).toEqual([{ type: 'warning', message: says('3 "to the other server"', '2 "tag requests"') }])
    const setup = join(dir(), 'setup.json')
    writeFileSync(setup, JSON.stringify({ kind: 'tcpscope-setup', version: 1, proxies: [{ start: { listen: '127.0.0.1:0', target: '127.0.0.1:9' }, rules: [other, tag, other] }] }))
    const up = new CliProcess(['up', setup])
    cleanups.push(() => up.stop())
    await up.waitLine((l) => l.startsWith('tcpscope: up'))
    await expect.poll(() => up.stderr.trim().split('\n')).toEqual([`tcpscope: warning: ${says('3 "to the other server"', '1 "to the other server"')}`])
    expect(cli.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe('tcpscope serve --rules', () => {
  it('answers by rule with no target; what no rule answers gets 404', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    const file = join(dir(), 'rules.json')
    writeFileSync(file, JSON.stringify({ rules: [{ match: { http: { method: 'GET', path: '/api/user' } }, steps: [{ respond: { json: { name: 'from-rule' } } }] }] }))
    const { port } = await listening(['serve', '--listen', '127.0.0.1:0', '--rules', file])
    const both = await curl(`http://127.0.0.1:${port}/api/user`, `http://127.0.0.1:${port}/other`, `http://127.0.0.1:${port}/api/user`)
    expect(both.stdout).toBe('{"name":"from-rule"}no rule answers this request.\r\n{"name":"from-rule"}')
    const missing = await curl('-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/other`)
    expect(missing.stdout).toBe('404')
  })
})

describe('tcpscope show of requests a rule took', () => {
  it('says what the rule did with each request the target never got: answered it, or reset it', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    const { port: backendPort } = await backend()
    const d = dir()
    const rules = join(d, 'rules.json')
    writeFileSync(
      rules,
      JSON.stringify({
        rules: [
          { name: 'mock the user', match: { http: { path: '/api/user' } }, steps: [{ respond: { json: { name: 'from-rule' } } }] },
          { name: 'fail once', once: true, match: { http: { path: '/flaky' } }, steps: [{ reset: true }] }
        ]
      })
    )
    const capture = join(d, 'rules.tcap')
    const { cli, port } = await listening(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${backendPort}`, '--rules', rules, '--capture', capture])
    expect((await curl(`http://127.0.0.1:${port}/api/user`)).stdout).toBe('{"name":"from-rule"}')
    await expect(curl(`http://127.0.0.1:${port}/flaky`)).rejects.toThrow(/reset/i)
    expect((await curl(`http://127.0.0.1:${port}/flaky`)).stdout).toBe('backend /flaky')
    await cli.stop()
    const shown = await runCli(['show', capture])
    expect(shown.code).toBe(0)
    // The answer the client got follows the request, marked as the rule's; a reset leaves it none.
    expect(shown.stdout.split('\n').filter((l) => l.endsWith('the target never got the request)'))).toEqual([
      'HTTP/1.1 200 OK   (mock: rule "mock the user", the target never got the request)',
      '(reset by rule "fail once": the target never got the request)'
    ])
  })
})

describe('tcpscope proxy --script', () => {
  it("runs the issue's hooks; a throw and an endless loop let traffic through and are said once", async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    const { port: backendPort, seen } = await backend()
    const script = join(dir(), 'hooks.js')
    writeFileSync(
      script,
      [
        'export function onRequest(req) {',
        "  req.headers.set('x-seen-by', 'script-v1')",
        "  if (req.path === '/boom') throw new Error('boom')",
        "  if (req.path === '/spin') for (;;) {}",
        '}',
        'export function onResponse(res, req) {',
        "  if (req.path === '/teapot') res.status = 418",
        '}',
        'export function onMessage(msg) { }',
        ''
      ].join('\n')
    )
    const { cli, port } = await listening(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${backendPort}`, '--script', script])
    const url = (p: string): string => `http://127.0.0.1:${port}${p}`
    const teapot = await curl('-i', url('/teapot'))
    expect(teapot.stdout).toMatch(/^HTTP\/1\.1 418 I'm a Teapot\r\n/)
    expect(seen[0]).toMatchObject({ url: '/teapot', 'x-seen-by': 'script-v1' })

    expect((await curl(url('/boom'))).stdout).toBe('backend /boom')
    expect((await curl(url('/boom'))).stdout).toBe('backend /boom')
    expect(seen[1]['x-seen-by']).toBeUndefined()

    // An endless loop: the request goes on once the hook is cut off; meanwhile another
    // client's request is answered (skipping the busy script), before the spinning one.
    const order: string[] = []
    const spin = curl(url('/spin')).then((r) => (order.push('spin'), r))
    await new Promise((r) => setTimeout(r, 700))
    const during = await curl(url('/during'))
    order.push('during')
    expect(during.stdout).toBe('backend /during')
    expect((await spin).stdout).toBe('backend /spin')
    expect(order).toEqual(['during', 'spin'])
    expect((await curl(url('/after'))).stdout).toBe('backend /after')
    expect(seen.at(-1)).toMatchObject({ url: '/after', 'x-seen-by': 'script-v1' })
    await cli.stop()
    // With --json, warnings are JSON lines on stderr.
    const said = cli.stderr
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { message: string }).message)
    expect(said.filter((l) => l.includes('boom'))).toEqual(['onRequest threw: boom (hooks.js:3)'])
    expect(said.filter((l) => l.includes('did not return')), said.join('\n')).toHaveLength(1)
    // Said once at most (on a loaded machine the other request may come before the hook spins).
    expect(said.filter((l) => l.includes('busy')).length, said.join('\n')).toBeLessThanOrEqual(1)
  })
})
