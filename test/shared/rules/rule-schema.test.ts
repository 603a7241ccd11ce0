// The rules file's schema: the issue's examples check as written; every wrong field is one
// line naming the rule (its place and name) and the field; hostile shapes are refused.
import { describe, expect, it } from 'vitest'
import { checkRules } from '../../../src/shared/rules/rule-schema'
import { RuleSet } from '../../../src/core/rules/rule-set'

const ISSUE = {
  rules: [
    { name: 'mock the user', match: { http: { method: 'GET', path: '/api/user' } }, steps: [{ respond: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"name":"from-rule"}' } }] },
    { name: 'free things', match: { http: { path: '/api/price' } }, steps: [{ rewrite: { response: { headers: { 'x-rewritten': 'yes' }, json: { '$.price': 0 } } } }] },
    { name: 'slow then reset', match: { http: { path: '/api/slow' } }, steps: [{ delay: 300 }, { reset: true }] },
    { name: 'to my build', match: { http: { host: 'api.example.test' } }, steps: [{ forward: { to: 'http://127.0.0.1:3000' } }] },
    { name: 'flaky greeter', match: { grpc: { method: '/demo.Greeter/SayHello' } }, times: 2, steps: [{ respond: { grpc: { status: 14, message: 'try again' } } }] },
    { name: 'flag on', match: { resp: { command: 'GET', key: 'feature-flag' } }, steps: [{ respond: { resp: { bulk: 'on' } } }] }
  ]
}

const error = (doc: unknown): string => {
  try {
    checkRules(doc)
  } catch (err) {
    return (err as Error).message
  }
  return 'no error'
}
const one = (rule: unknown): string => error({ rules: [rule] })

describe('the rules schema', () => {
  it("takes the issue's file as written, and a bare list", () => {
    expect(checkRules(ISSUE).rules).toHaveLength(6)
    expect(checkRules(ISSUE.rules).rules).toHaveLength(6)
    const set = new RuleSet()
    set.set(ISSUE.rules)
    expect(set.list().map((r) => [r.id, r.label, r.left])).toEqual([
      ['r1', 'mock the user', undefined],
      ['r2', 'free things', undefined],
      ['r3', 'slow then reset', undefined],
      ['r4', 'to my build', undefined],
      ['r5', 'flaky greeter', 2],
      ['r6', 'flag on', undefined]
    ])
  })

  it('names the rule and the field of every mistake, in one line', () => {
    const cases: Array<[unknown, string]> = [
      [{ match: { http: { path: '/a' } }, steps: [] }, 'rule 1.steps: expected a list of 1 to 100 steps'],
      [{ name: 'n', steps: [{ close: true }] }, 'rule 1 ("n").match: missing'],
      [{ match: { http: { methd: 'GET' } }, steps: [{ close: true }] }, 'rule 1.match.http: unknown field "methd" (it takes method, host, port, path, query, headers, body)'],
      [{ match: { http: {}, resp: {} }, steps: [{ close: true }] }, 'rule 1.match: give one of all, any, not'],
      [{ match: { http: { port: 70000 } }, steps: [{ close: true }] }, 'rule 1.match.http.port: expected a whole number from 1 to 65535, got 70000'],
      [{ match: { http: { method: 'GET /' } }, steps: [{ close: true }] }, 'rule 1.match.http.method: "GET /" is not a method'],
      [{ match: { http: { path: { regex: 'a', glob: 'b' } } }, steps: [{ close: true }] }, 'rule 1.match.http.path: give one of exact, glob, regex, contains or prefix'],
      [{ match: { message: { hex: 'zz' } }, steps: [{ drop: true }] }, 'rule 1.match.message.hex: expected hex bytes'],
      [{ match: { http: {} }, steps: [{ respond: { body: 'a', json: 1 } }] }, 'rule 1.steps[0].respond: give one of body, json, not several'],
      [{ match: { http: {} }, steps: [{ respond: { headers: { 'bad header': 'x' } } }] }, 'rule 1.steps[0].respond.headers.bad header: not a header name'],
      [{ match: { http: {} }, steps: [{ respond: { headers: { a: 'x\r\nInjected: 1' } } }] }, 'rule 1.steps[0].respond.headers.a: a header value cannot hold a line break'],
      [{ match: { http: {} }, steps: [{ respond: { grpc: { status: 99 } } }] }, 'rule 1.steps[0].respond.grpc.status: expected a whole number from 0 to 16, got 99'],
      [{ match: { http: {} }, steps: [{ respond: { resp: { simple: 'a\r\nb' } } }] }, 'rule 1.steps[0].respond.resp.simple: cannot hold a line break (use bulk)'],
      [{ match: { http: {} }, steps: [{ forward: { to: 'ftp://x' } }] }, 'rule 1.steps[0].forward.to: "ftp://x" is not where to forward'],
      [{ match: { http: {} }, steps: [{ rewrite: { response: { json: { price: 0 } } } }] }, 'rule 1.steps[0].rewrite.response.json: "price" is not a JSON path ($.a.b, $.items[0])'],
      [{ match: { http: {} }, steps: [{ rewrite: { request: { status: 200 } } }] }, 'rule 1.steps[0].rewrite.request: unknown field "status" (it takes headers, replace, json, body, grpc)'],
      [{ match: { http: {} }, steps: [{ delay: -1 }] }, 'rule 1.steps[0].delay: expected a whole number from 0 to 3600000, got -1'],
      [{ match: { http: {} }, steps: [{ reset: 'yes' }] }, 'rule 1.steps[0].reset: expected true'],
      [{ match: { http: {} }, steps: [{ close: true }], once: true, times: 3 }, 'rule 1.once: give once or times, not both'],
      [{ match: { websocket: { opcode: 'txt' } }, steps: [{ drop: true }] }, 'rule 1.match.websocket.opcode: expected text, binary, close, ping, pong or a number from 0 to 15, got "txt"'],
      [{ match: { websocket: { opcode: ['text', 16] } }, steps: [{ drop: true }] }, 'rule 1.match.websocket.opcode[1]: expected a whole number from 0 to 15, got 16'],
      [{ match: { websocket: { dir: 'up' } }, steps: [{ drop: true }] }, 'rule 1.match.websocket.dir: expected client or server'],
      [{ match: { websocket: { json: { type: 'a' } } }, steps: [{ drop: true }] }, 'rule 1.match.websocket.json: "type" is not a JSON path'],
      [{ match: { websocket: { body: 'x' } }, steps: [{ drop: true }] }, 'rule 1.match.websocket: unknown field "body" (it takes dir, opcode, text, json)'],
      [{ match: { websocket: {} }, steps: [{ rewrite: { websocket: {} } }] }, 'rule 1.steps[0].rewrite.websocket: say what to rewrite: replace, json or text'],
      [{ match: { websocket: {} }, steps: [{ rewrite: { websocket: { json: { price: 0 } } } }] }, 'rule 1.steps[0].rewrite.websocket.json: "price" is not a JSON path']
    ]
    for (const [rule, want] of cases) {
      const message = one(rule)
      expect(message, JSON.stringify(rule)).toContain(want)
      expect(message.split('\n')).toHaveLength(1)
    }
    expect(error({ rules: [ISSUE.rules[0], { name: 'second', match: { http: {} }, steps: [{ nope: 1 }] }] })).toContain('rule 2 ("second").steps[0]: unknown field "nope"')
    expect(error({ rule: [] })).toBe('unknown field "rule" at the top of the rules file (it holds "rules")')
    expect(error('rules')).toMatch(/^a rules file holds/)
  })

  it('takes WebSocket matchers and rewrites, which only WebSocket messages are tried against', () => {
    const rules = [
      { match: { websocket: { dir: 'client', opcode: ['text', 9], text: { contains: 'hi' }, json: { '$.type': 'hello' } } }, steps: [{ rewrite: { websocket: { json: { '$.type': 'bye' }, replace: [{ find: 'a', with: 'b' }] } } }] },
      { match: { all: [{ websocket: { opcode: 'binary' } }, { connection: { targetPort: 80 } }] }, steps: [{ drop: true }] }
    ]
    expect(checkRules(rules).rules).toHaveLength(2)
    const set = new RuleSet()
    set.set(rules)
    expect(set.list()[0].label).toBe('WebSocket text|9 message from the client *hi* $.type = "hello"')
    expect(set.framesWebSocket).toBe(true)
    expect(set.framesHttp).toBe(false)
    expect(set.framesMessages).toBe(false)
    const conn = { client: '127.0.0.1:1', targetPort: 80 }
    const hello = { dir: 'client' as const, opcode: 1, text: '{"type":"hello","hi":1}', json: { type: 'hello', hi: 1 } }
    expect(set.find({ conn, websocket: hello }, 'websocket')?.entry.id).toBe('r1')
    expect(set.find({ conn, websocket: { ...hello, dir: 'server' } }, 'websocket')).toBeUndefined()
    expect(set.find({ conn, websocket: { dir: 'server', opcode: 2, json: undefined } }, 'websocket')?.entry.id).toBe('r2')
    expect(set.find({ conn, message: { protocol: 'resp', dir: 'client', summary: '', bytes: new Uint8Array(), fields: {} } }, 'message')).toBeUndefined()
  })

  it("takes a gRPC rewrite of protobuf fields by number, and refuses json paths or a whole body on a rule that matches gRPC", () => {
    const greeter = { grpc: { method: 'SayHello' } }
    const ok = [
      { match: greeter, steps: [{ rewrite: { request: { grpc: { field: { '1': 'eve' } } }, response: { grpc: { field: { '1': 'hi', '2.3': 7, '4': true } }, replace: [{ find: 'a', with: 'b' }] } } }] },
      // Not gRPC only: json on a body of another kind may apply, so it is left to the run.
      { match: { any: [greeter, { http: { path: '/api' } }] }, steps: [{ rewrite: { response: { json: { '$.a': 1 } } } }] }
    ]
    expect(checkRules(ok).rules).toHaveLength(2)
    const cases: Array<[unknown, string]> = [
      [{ match: greeter, steps: [{ rewrite: { response: { json: { '$.message': 'x' } } } }] }, `rule 1.steps[0].rewrite.response.json: json paths do not apply to a gRPC body (the rule matches grpc): set its messages' fields with grpc: { "field": { "1": "new text" } }, or use replace`],
      [{ match: { all: [{ connection: { targetPort: 50051 } }, greeter] }, steps: [{ delay: 1 }, { rewrite: { request: { body: 'x' } } }] }, 'rule 1.steps[1].rewrite.request.body: a whole body cannot be set on a gRPC body (the rule matches grpc)'],
      [{ match: { http: {} }, steps: [{ rewrite: { response: { grpc: {} } } }] }, 'rule 1.steps[0].rewrite.response.grpc: say which fields to set: { "field": { "1": "new text" } }'],
      [{ match: { http: {} }, steps: [{ rewrite: { response: { grpc: { fields: {} } } } }] }, 'rule 1.steps[0].rewrite.response.grpc: unknown field "fields" (it takes field)'],
      [{ match: { http: {} }, steps: [{ rewrite: { response: { grpc: { field: {} } } } }] }, 'rule 1.steps[0].rewrite.response.grpc.field: say which fields to set'],
      [{ match: { http: {} }, steps: [{ rewrite: { response: { grpc: { field: { name: 'x' } } } } }] }, 'rule 1.steps[0].rewrite.response.grpc.field.name: expected a field number (1), or numbers through nested messages (2.1)'],
      [{ match: { http: {} }, steps: [{ rewrite: { response: { grpc: { field: { '1': null } } } } }] }, 'rule 1.steps[0].rewrite.response.grpc.field.1: expected a string, got null'],
      [{ match: { http: {} }, steps: [{ rewrite: { request: { grpc: { field: { '2': 'a', '2.1': 'b' } } } } }] }, 'rule 1.steps[0].rewrite.request.grpc.field.2.1: inside field 2, which is set too: give one of them']
    ]
    for (const [rule, want] of cases) {
      const message = one(rule)
      expect(message, JSON.stringify(rule)).toContain(want)
      expect(message.split('\n')).toHaveLength(1)
    }
  })

  it('keeps the id and counts of a rule still in a changed list (a move, an edit of another rule)', () => {
    const set = new RuleSet()
    set.set(ISSUE.rules)
    const [first, , , , greeter] = set.list()
    set.acted((set as unknown as { entries: Parameters<RuleSet['acted']>[0][] }).entries[4])
    set.set([ISSUE.rules[4], { ...ISSUE.rules[0], enabled: false }, { ...ISSUE.rules[1], name: 'renamed' }])
    const after = set.list()
    expect(after.map((r) => [r.id, r.label, r.enabled, r.hits, r.left])).toEqual([
      [greeter.id, 'flaky greeter', true, 1, 1],
      [first.id, 'mock the user', false, 0, undefined],
      ['r7', 'renamed', true, 0, undefined]
    ])
  })

  it('refuses nesting past its bound and regexes RE2 cannot run, naming where', () => {
    let deep: unknown = { http: {} }
    for (let i = 0; i < 20; i++) deep = { not: deep }
    expect(one({ match: deep, steps: [{ close: true }] })).toContain('nested deeper than 16')
    const set = new RuleSet()
    expect(() => set.set([{ name: 'bad', match: { http: { path: { regex: '(a)\\1' } } }, steps: [{ close: true }] }])).toThrow('rule 1 ("bad").match.http.path: /(a)\\1/ uses a backreference')
    // One bad rule changes nothing.
    set.set([ISSUE.rules[0]])
    expect(() => set.set([ISSUE.rules[0], { match: { http: { body: { regex: '(?=x)' } } }, steps: [{ close: true }] }])).toThrow(/rule 2\.match\.http\.body\.regex/)
    expect(set.list().map((r) => r.label)).toEqual(['mock the user'])
  })
})
