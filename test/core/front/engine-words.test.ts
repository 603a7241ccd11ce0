// The Chinese UI says the engine's most common errors in Chinese by their English wording
// (src/renderer/src/ui/engine-words.ts). Each wording there is checked here
// against the error the engine really makes (through its commands where a test can cause it
// cheaply, else the one function that words it), so a change of wording that would leave
// the Chinese UI in English fails beside the engine; in English every message stays as the
// engine said it.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { engineWords } from '../../../src/renderer/src/ui/engine-words'
import engineWordsMessages from '../../../src/renderer/src/platform/i18n/messages/engine-words'
import { describeNetError } from '../../../src/core/net/net-errors'
import { cancelled } from '../../../src/core/net/net-errors'
import { parseEndpoint, parseConnectEndpoint } from '../../../src/shared/endpoint'
import { parseHex } from '../../../src/shared/payload/parse-hex'
import { toWireError } from '../../../src/shared/errors'
import { EngineError } from '../../../src/shared/errors'
import type { EngineClient } from '../../../src/shared/engine-client'
import { exchangeWord } from '../../../src/core/decode/exchange-words'
import { parseFilter } from '../../../src/core/capture/query/connection-query'
import { ExchangeList } from '../../../src/core/decode/exchange-query'
import { ExchangeTable } from '../../../src/core/decode/exchange-table'
import { setFramingWorkerFile } from '../../../src/core/script-framing/script-registry'
import { testEngine, portOf, type TestEngine } from '../../helpers/engine'
import { overIpc } from '../../helpers/front-ends'
import { connectTo, REFUSED_PORT, startServer, tempDir } from '../../helpers/net'
import { cut } from '../protocols/messages/cut'
import { describeAll } from '../protocols/messages/described'
import { codecOf, testFiles } from '../protocols/messages/framing-files'
import { concat, DEVICE_KSY, hello } from '../protocols/ksy/ksy-frames'

// Framing scripts run in the built script worker, as the engine runs them.
beforeAll(() => setFramingWorkerFile(resolve(__dirname, '../../../out/cli/script-worker.cjs')))
const { file } = testFiles('tcpscope-engine-words-')

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** An engine, disposed after the test. */
async function engine(): Promise<TestEngine> {
  const te = await testEngine()
  cleanups.push(te.dispose)
  return te
}

/** vue-i18n's t over the messages of one language, as far as these use it: a missing key is itself, `{name}` a parameter. */
function translator(messages: Record<string, unknown>): (key: string, params: Record<string, unknown>) => string {
  return (key, params) => {
    const text = key.split('.').reduce<unknown>((m, k) => (m as Record<string, unknown> | undefined)?.[k], messages)
    return typeof text === 'string' ? text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name])) : key
  }
}
const zh = translator(engineWordsMessages['zh-CN'])
const en = translator(engineWordsMessages.en)

/** The message of what `f` throws (sync or async). */
async function thrown(f: () => unknown): Promise<string> {
  try {
    await f()
  } catch (e) {
    return (e as Error).message
  }
  throw new Error('expected it to throw')
}

/** `message` in Chinese: changed, every part the engine named kept, no English sentence left. */
function saysInChinese(message: string, ...kept: string[]): string {
  const said = engineWords(message, zh)
  expect(said, message).not.toBe(message)
  expect(said).toMatch(/[\u4e00-\u9fff]/)
  for (const k of kept) expect(said).toContain(k)
  expect(engineWords(message, en)).toBe(message)
  return said
}

const netError = (code: string, op: 'listen' | 'connect', where: string): string => describeNetError(Object.assign(new Error(code), { code }), { op, where })

describe("the engine's errors in the Chinese UI", () => {
  it('a port in use, a bad port and a bad address, as proxy.start and the forms give them', async () => {
    const t = await engine()
    const busy = await startServer(() => {})
    cleanups.push(busy.close)
    const inUse = await thrown(() => t.engine['proxy.start']({ listen: `127.0.0.1:${busy.port}`, target: '127.0.0.1:1' }))
    expect(saysInChinese(inUse, `127.0.0.1:${busy.port}`)).toMatch(/^无法监听 127\.0\.0\.1:\d+：端口已被占用/)
    saysInChinese(await thrown(() => parseEndpoint('127.0.0.1:99999')), '127.0.0.1:99999')
    saysInChinese(await thrown(() => parseConnectEndpoint('127.0.0.1:0')), '127.0.0.1:0')
    saysInChinese(await thrown(() => parseEndpoint('nonsense')), 'nonsense')
    saysInChinese(await thrown(() => parseEndpoint(':80')), ':80')
    // The engine names the option first: the name stays, the rest is said in Chinese.
    const target = await thrown(() => t.engine['proxy.start']({ listen: '127.0.0.1:0', target: 'nonsense' }))
    expect(saysInChinese(target, 'nonsense')).toMatch(/^(--)?target: 地址/)
  })

  it('a refused connect, as a replay meets it, and the other ways a connect or a listen fails', async () => {
    const t = await engine()
    const e = (await t.engine['client.connect']({ target: `127.0.0.1:${REFUSED_PORT}` }).then(
      () => undefined,
      (err: unknown) => err
    )) as EngineError | undefined
    const refused = e?.message ?? (await refusedFromConnection(t))
    saysInChinese(refused, `127.0.0.1:${REFUSED_PORT}`)
    for (const [code, op, where] of [
      ['EADDRINUSE', 'listen', '/tmp/x.sock'],
      ['EACCES', 'listen', '127.0.0.1:80'],
      ['EADDRNOTAVAIL', 'listen', '10.9.9.9:80'],
      ['ENOENT', 'listen', '/nowhere/x.sock'],
      ['ENOTFOUND', 'connect', 'no-such-host.invalid:80'],
      ['ETIMEDOUT', 'connect', '10.9.9.9:80'],
      ['EHOSTUNREACH', 'connect', '10.9.9.9:80'],
      ['ENOENT', 'connect', '/nowhere/x.sock']
    ] as const) {
      saysInChinese(netError(code, op, where), where)
    }
  })

  it('a bad hex digit, a bad status filter, a missing file, a file that is not a capture, a cancel and a bug', async () => {
    saysInChinese(await thrown(() => parseHex('41 zz')), '“z”', '4')
    saysInChinese(await thrown(() => exchangeWord('status', 'abc')), 'status:abc')
    const t = await engine()
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const missing = join(dir, 'missing.tcap')
    saysInChinese(await thrown(() => t.engine['capture.open']({ path: missing })), missing)
    const notCapture = join(dir, 'notes.txt')
    writeFileSync(notCapture, 'hello, not a capture\n')
    saysInChinese(await thrown(() => t.engine['capture.open']({ path: notCapture })), notCapture)
    expect(saysInChinese(cancelled().message)).toBe('已取消')
    saysInChinese(toWireError(new Error('a bug'), 'proxy.start').message, 'proxy.start')
  })

  it("a filter's unknown words, and its several mistakes, each said as far as its wording is known", async () => {
    saysInChinese(await thrown(() => parseFilter('colour:red')), '“colour:”', 'port: state:')
    expect(saysInChinese(await thrown(() => parseFilter('stauts:ok')), '“stauts:”', 'status:')).toMatch(/^未知的过滤词/)
    const several = await thrown(() => new ExchangeList(new ExchangeTable()).rows('stauts:4xx conn:x status:lots proto:ftp', 'start', false))
    // The frame and the words known are said in Chinese; a mistake whose wording is not known stays as the engine said it.
    expect(saysInChinese(several)).toBe(
      '4 处错误：（1）未知的过滤词 “stauts:”：你要写的是不是 status:？；（2）filter conn:x: conn wants a connection id, e.g. conn:12；（3）status:lots 不是状态码、类别或范围；例如 status:404、status:4xx 或 status:200-299；还有 1 处'
    )
  })

  it("a list's hint beside its empty answer (a near miss read as a host), as conn.page and exchange.page give it", async () => {
    const t = await engine()
    const conns = await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 10, filter: 'stauts:200' })
    expect(conns.total).toBe(0)
    expect(conns.hints).toHaveLength(1)
    expect(saysInChinese(conns.hints![0], 'stauts:200', 'status:200')).toBe('“stauts:200” 被当作主机和端口：你要写的是不是 status:200？')
    let exchanges = await t.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10, filter: 'stauts:' })
    while (exchanges.scan) exchanges = await t.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10, filter: 'stauts:' })
    expect(exchanges.hints).toHaveLength(1)
    expect(saysInChinese(exchanges.hints![0], 'stauts:', 'status:')).toBe('“stauts:” 被当作主机名：你要写的是不是 status:？')
  })

  it('leaves a message it does not know as the engine said it, in either language', () => {
    const odd = 'toxic corrupt: probability must be between 0 and 1'
    expect(engineWords(odd, zh)).toBe(odd)
    expect(engineWords(odd, en)).toBe(odd)
  })
})

/** The message of the engine's refusal of `call`, as a front end receives it (through the real envelope: `invalid arguments for …`). */
async function refused(call: Promise<unknown>): Promise<string> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(EngineError)
  return (err as EngineError).message
}

/** The engine over IPC, as the app's forms call it; closed after the test. */
async function front(): Promise<EngineClient> {
  const t = await engine()
  const f = overIpc(t.engine)
  cleanups.push(() => f.close())
  return f.client
}

/** A `.ksy` file whose top-level type is `seq` (indented YAML), big-endian. */
const ksyFile = (id: string, seq: string, more = ''): string => file(`${id}.ksy`, `meta:\n  id: ${id}\n  endian: be\nseq:\n${seq}${more}`)

describe("a form's refused arguments in the Chinese UI", () => {
  it('a bad number, a missing or unknown field, a wrong type, a too-long value, a value not among the choices', async () => {
    const c = await front()
    expect(saysInChinese(await refused(c.call('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:1', connectTimeoutMs: 0 })), 'proxy.start', 'connectTimeoutMs: ', '1', '0')).toBe(
      'proxy.start 的参数有误：connectTimeoutMs: 应为不小于 1 的数，实际为 0'
    )
    expect(saysInChinese(await refused(c.call('proxy.start', { target: '127.0.0.1:1' } as never)), 'listen: ')).toBe('proxy.start 的参数有误：listen: 缺少这一项（应为字符串）')
    expect(saysInChinese(await refused(c.call('proxy.start', { listen: 5, target: '127.0.0.1:1' } as never)), 'listen: ')).toBe('proxy.start 的参数有误：listen: 应为字符串，实际为数字')
    expect(saysInChinese(await refused(c.call('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:1', colour: 1 } as never)), 'colour: ')).toBe('proxy.start 的参数有误：colour: 未知字段')
    const proxy = await c.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${REFUSED_PORT}` })
    cleanups.push(() => c.call('proxy.stop', { proxyId: proxy.id }).catch(() => undefined))
    expect(saysInChinese(await refused(c.call('toxic.add', { proxyId: proxy.id, toxic: { type: 'latency', name: 'x'.repeat(200) } })), 'toxic.name: ')).toBe(
      'toxic.add 的参数有误：toxic.name: 最多 128 个字符，实际有 200 个'
    )
    saysInChinese(await refused(c.call('toxic.add', { proxyId: proxy.id, toxic: { type: 'lag' } } as never)), 'toxic.type: ', 'latency, bandwidth', '"lag"')
    saysInChinese(await refused(c.call('break.add', { proxyId: proxy.id, rule: { match: 'text', pattern: '' } })), 'rule.pattern: 不能为空')
    saysInChinese(await refused(c.call('break.add', { proxyId: proxy.id, rule: { match: 'text', pattern: 'a', timeoutMs: 99_999_999_999 } })), 'rule.timeoutMs: ', '2147483647', '99999999999')
    saysInChinese(await refused(c.call('break.add', { proxyId: proxy.id, rule: { match: 'http-response', status: '4xxx' } })), 'rule.status: ', '3', '4')
    saysInChinese(await refused(c.call('server.start', { listen: '127.0.0.1:0', behaviour: { http: { status: 200, headers: Array(201).fill('A: b') } } })), 'behaviour.http.headers: ', '200', '201')
    // What a check wanted and what it got, each in Chinese.
    for (const [call, said] of [
      [() => c.call('break.add', { proxyId: proxy.id, rule: { match: 'text', pattern: 'a', timeoutMs: 'soon' } } as never), 'rule.timeoutMs: 应为整数，实际为字符串'],
      [() => c.call('toxic.add', { proxyId: proxy.id, toxic: { type: 'latency', toxicity: 'half' } } as never), 'toxic.toxicity: 应为数字，实际为字符串'],
      [() => c.call('toxic.add', { proxyId: proxy.id, toxic: { type: 'latency', attributes: 5 } } as never), 'toxic.attributes: 应为由数字组成的对象，实际为数字'],
      [() => c.call('proxy.start', { listen: null, target: '127.0.0.1:1' } as never), 'listen: 应为字符串，实际为空值（null）'],
      [() => c.call('proxy.start', { listen: [], target: '127.0.0.1:1' } as never), 'listen: 应为字符串，实际为数组'],
      [() => c.call('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:1', noDelay: 'yes' } as never), 'noDelay: 应为布尔值（true 或 false），实际为字符串'],
      [() => c.call('proxy.start', 'all' as never), '应为对象，实际为字符串']
    ] as const) {
      expect(saysInChinese(await refused(call())), said).toContain(said)
    }
  })

  it("a server's bad header and reply rule, a toxic's probability, match and name, a breakpoint's status and hex, a payload's escape", async () => {
    const c = await front()
    expect(saysInChinese(await refused(c.call('server.start', { listen: '127.0.0.1:0', behaviour: { http: { status: 200, headers: ['NoColon'] } } })), '“NoColon”')).toMatch(/^HTTP 头/)
    expect(saysInChinese(await refused(c.call('server.start', { listen: '127.0.0.1:0', behaviour: { rules: [{ match: 'regex', pattern: '(', reply: { kind: 'text', data: 'x' } }] } })))).toBe(
      '回复规则 1：正则表达式 /(/ 有误：缺少右括号 )：('
    )
    const proxy = await c.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${REFUSED_PORT}` })
    cleanups.push(() => c.call('proxy.stop', { proxyId: proxy.id }).catch(() => undefined))
    saysInChinese(await refused(c.call('toxic.add', { proxyId: proxy.id, toxic: { type: 'corrupt', attributes: { probability: 2 } } })), 'probability', '2')
    // The match's own mistake is said in turn.
    expect(saysInChinese(await refused(c.call('toxic.add', { proxyId: proxy.id, toxic: { type: 'latency', match: 'colour:red' } })), '“colour:”')).toMatch(/^故障的匹配条件：未知的过滤词/)
    await c.call('toxic.add', { proxyId: proxy.id, toxic: { type: 'latency', name: 'slow' } })
    saysInChinese(await refused(c.call('toxic.add', { proxyId: proxy.id, toxic: { type: 'latency', name: 'slow' } })), proxy.id, '“slow”', 'toxic.update')
    expect(saysInChinese(await refused(c.call('break.add', { proxyId: proxy.id, rule: { match: 'http-response', status: 'abc' } })), '“abc”', '404', '4xx')).toMatch(/^断点：/)
    expect(saysInChinese(await refused(c.call('break.add', { proxyId: proxy.id, rule: { match: 'hex', pattern: '  ' } })), '50 41 53 53')).toMatch(/^断点：十六进制/)
    saysInChinese(await refused(c.call('break.add', { proxyId: proxy.id, rule: { match: 'hex', pattern: 'abc' } })), '3', '0a')
    saysInChinese(await refused(c.call('payload.preview', { payload: { kind: 'text', data: 'a\\q' } })), '“\\q”', '2', '\\r \\n \\t \\0 \\xHH', '\\\\')
    saysInChinese(await refused(c.call('payload.preview', { payload: { kind: 'text', data: 'a\\' } })), '\\r \\n \\t \\0 \\xHH', '2')
  })

  it("a bad regular expression, each of RE2's reasons and each feature it refuses, in a regex breakpoint", async () => {
    const c = await front()
    const proxy = await c.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${REFUSED_PORT}` })
    cleanups.push(() => c.call('proxy.stop', { proxyId: proxy.id }).catch(() => undefined))
    const regex = (pattern: string): Promise<string> => refused(c.call('break.add', { proxyId: proxy.id, rule: { match: 'regex', pattern } }))
    for (const [pattern, reason] of [
      ['(', '缺少右括号 )'],
      ['[a', '缺少右方括号 ]'],
      ['a)', '多余的右括号 )'],
      ['*a', '重复运算符前面缺少内容'],
      ['a**', '重复运算符不能嵌套'],
      ['\\q', '无效的转义序列'],
      ['[z-a]', '无效的字符范围'],
      ['\\', '表达式末尾多了一个反斜杠'],
      ['(?P<n>a)(?P<n>b)', '捕获组名称重复'],
      ['(?z)', '无效或不支持的 Perl 语法'],
      ['(?P<>a)', '无效的命名捕获组'],
      [`${'('.repeat(1001)}a${')'.repeat(1001)}`, '表达式嵌套太深']
    ]) {
      expect(saysInChinese(await regex(pattern), `/${pattern}/`, reason), pattern).toMatch(/^正则表达式 /)
    }
    saysInChinese(await regex('a{2000}'), '/a{2000}/', '1000')
    saysInChinese(await regex('(?<=(a))b'), '(?:...)')
    saysInChinese(await regex('.{0,1000}.{0,1000}'), '4002', '1000')
    saysInChinese(await regex('(a)\\1'), '/(a)\\1/', '反向引用（\\1）')
    saysInChinese(await regex('(?<n>a)\\k<n>'), '\\k<...>')
    saysInChinese(await regex('a(?=b)'), '?=...', '?<=...')
    saysInChinese(await regex('(?>a)'), '?>...')
  })

  it("a rule's mistakes in the rules editor, after its place and path", async () => {
    const c = await front()
    const proxy = await c.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${REFUSED_PORT}` })
    cleanups.push(() => c.call('proxy.stop', { proxyId: proxy.id }).catch(() => undefined))
    const rules = (rule: unknown): Promise<string> => refused(c.call('rules.set', { proxyId: proxy.id, rules: [rule] } as never))
    const ok = [{ respond: { status: 200 } }]
    expect(saysInChinese(await rules({ steps: ok }), 'rule 1.match: ', '{ "http": { "path": "/api" } }')).toMatch(/缺少匹配条件/)
    expect(saysInChinese(await rules({ name: 'mock', match: { http: { port: 0 } }, steps: ok }), 'rule 1 ("mock").match.http.port: ')).toBe(
      'rules.set 的参数有误：rule 1 ("mock").match.http.port: 应为 1 到 65535 之间的整数，实际为 0'
    )
    saysInChinese(await rules({ match: { http: { path: '/a' } }, steps: [] }), 'rule 1.steps: ', '100')
    saysInChinese(await rules({ match: { http: { path: '/a', colour: 1 } }, steps: ok }), '“colour”', 'method, host, port')
    saysInChinese(await rules({ match: { http: { path: '/a' } }, steps: [{ respond: { status: 200, headers: { 'a b': 'x' } } }] }), 'headers.a b: 不是合法的头部名称')
    saysInChinese(await rules({ match: { http: { path: '/a' } }, steps: [{ respond: { status: 200, headers: { ab: 'x\ny' } } }] }), 'headers.ab: ')
    saysInChinese(await rules({ match: { http: { path: 5 } }, steps: ok }), 'rule 1.match.http.path: 应为对象，实际为数字')
    saysInChinese(await rules({ match: { http: { path: '/a' } }, steps: [{ rewrite: { bytes: [{ find: '', with: 'x' }] } }] }), 'find: 不能为空')
    saysInChinese(await rules({ match: { http: { path: '/a' } }, steps: [{ respond: { resp: { array: 'x' } } }] }), 'resp.array: 应为字符串列表')
    saysInChinese(await rules({ match: { http: { path: '/a' } }, steps: [{ respond: { hex: 'zz' } }] }), 'respond.hex: 应为十六进制数字')
    saysInChinese(await rules({ match: { message: { dir: 'up' } }, steps: ok }), 'message.dir: 应为以下之一：client、server')
    saysInChinese(await rules({ match: { http: { path: '/a' } }, steps: ok, enabled: 'yes' }), 'rule 1.enabled: 应为布尔值（true 或 false）')
    saysInChinese(await rules({ name: [], match: { http: { path: '/a' } }, steps: ok }), 'rule 1.name: 应为字符串，实际为数组')
    saysInChinese(await rules({ match: { http: { path: '/a' } }, steps: [{ respond: { body: 'x'.repeat(2 ** 20 + 1) } }] }), 'body: ', String(2 ** 20))
    expect(saysInChinese(await rules({ match: { http: { path: { regex: '(' } } }, steps: ok }), 'rule 1.match.http.path: ')).toBe('rule 1.match.http.path: 正则表达式 /(/ 有误：缺少右括号 )：(')
  })
})

describe("a raw connection's messages in the Chinese UI", () => {
  it('a .ksy message the stream ended inside, as msg.page gives it: the EOFError within said too', async () => {
    const t = await engine()
    const ksy = ksyFile('blob_msg', '  - id: msg_type\n    type: u2\n  - id: len\n    type: u4\n  - id: body\n    size: len + 1\n')
    const sink = await startServer((s) => s.resume().on('end', () => s.end()))
    cleanups.push(sink.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${sink.port}`, frame: `ksy:${ksy}` })
    const c = await connectTo(portOf(proxy.listen))
    c.end(Buffer.from([0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0xab, 0xcd]))
    await once(c.resume(), 'end')
    let m
    for (let i = 0; i < 100 && m?.error === undefined; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50))
      m = (await t.engine['msg.page']({ capture: 'live', connId: 1 })).messages[0]
    }
    expect(saysInChinese(m!.error!)).toBe('数据流在此 blob_msg 消息中途结束：EOFError：需要读取 3 个字节，但只剩 2 个字节')
  })

  it("the kaitai runtime's errors: each validation, a terminator not found, bytes that are no message", async () => {
    const checked = ksyFile(
      'checked',
      '  - id: len\n    type: u1\n  - id: kind\n    type: u1\n    valid:\n      min: 1\n      max: 5\n  - id: tag\n    type: u1\n    valid:\n      any-of: [7, 8]\n  - id: flag\n    type: u1\n    valid:\n      expr: _ > 3\n  - id: op\n    type: u1\n    enum: ops\n    valid:\n      in-enum: true\n  - id: magic\n    contents: [0x55]\n',
      'enums:\n  ops:\n    1: get\n    2: set\n'
    )
    // Cut by their length, so each is whole and its parse's error is its own.
    const c = await codecOf(`ksy:${checked},within=length:size=1`)
    const error = (body: number[]): string => describeAll(c, [{ dir: 'client', bytes: Uint8Array.from([body.length, ...body]) }])[0].described.error!
    for (const [body, name, kept] of [
      [[0, 7, 4, 1, 0x55], 'ValidationLessThanError', ['[1]', '[0]']],
      [[9, 7, 4, 1, 0x55], 'ValidationGreaterThanError', ['[5]', '[9]']],
      [[1, 9, 4, 1, 0x55], 'ValidationNotAnyOfError', ['[9]']],
      [[1, 7, 1, 1, 0x55], 'ValidationExprError', ['[1]']],
      [[1, 7, 4, 9, 0x55], 'ValidationNotInEnumError', ['[9]']],
      [[1, 7, 4, 1, 0x66], 'ValidationNotEqualError', ['[85]', '[102]']],
      [[1, 7], 'EOFError', ['1', '0']]
    ] as const) {
      expect(saysInChinese(error([...body]), `${name}：`, ...kept), name).toMatch(/^无法按 checked 解析：/)
    }
    const named = await codecOf(`ksy:${ksyFile('named', '  - id: name\n    type: strz\n    encoding: ASCII\n')},within=length:size=1`)
    saysInChinese(describeAll(named, [{ dir: 'client', bytes: Uint8Array.from([2, 0x41, 0x42]) }])[0].described.error!, '终止符 0')
    // Noise before a device frame: its magic is not there.
    const [noise] = cut(await codecOf(`ksy:${DEVICE_KSY}`), [{ dir: 'client', bytes: concat([Uint8Array.from([1, 2, 3]), hello(1, 'p', [1, 2, 3])]) }])
    expect(saysInChinese(noise.error!, '[170,85]', '[1,2]')).toBe('不是 device_frame 消息：ValidationNotEqualError：值不符，应为 [170,85]，实际为 [1,2]；跳过了 3 个字节')
    const huge = ksyFile('huge', '  - id: magic\n    contents: [0x7e]\n  - id: len\n    type: u4\n  - id: body\n    size: len\n')
    saysInChinese(cut(await codecOf(`ksy:${huge}`), [{ dir: 'client', bytes: Uint8Array.from([0x7e, 0xff, 0xff, 0xff, 0xff, 1, 2]) }])[0].error!, '4,294,967,300', '16.0 MiB', '7')
  })

  it('where cutting stops: a .ksy with no end, reading nothing or past its budget; a plain framing past its max or a bad length; the stream ending', async () => {
    const stop = async (frame: string, bytes: number[]): Promise<string> => cut(await codecOf(frame), [{ dir: 'client', bytes: Uint8Array.from(bytes) }]).at(-1)!.error!
    const eos = ksyFile('eos', '  - id: a\n    type: u1\n    repeat: eos\n')
    expect(saysInChinese(await stop(`ksy:${eos}`, [1, 2]), `ksy:${eos}`, `--frame ksy:${eos},within=length:size=2`)).toContain('：它的顶层类型一直读到流末尾')
    saysInChinese(await stop(`ksy:${ksyFile('zero', '  - id: a\n    size: 0\n')}`, [1, 2]), 'seq')
    const loop = ksyFile('loop', '  - id: a\n    type: u1\n  - id: nothing\n    type: empty\n    repeat: until\n    repeat-until: false\n', 'types:\n  empty: {}\n')
    saysInChinese(await stop(`ksy:${loop}`, [1, 2, 3, 4, 5, 6]), `ksy:${loop}`, '3')
    expect(saysInChinese(await stop('line:max=8', [...Buffer.from('abcdefghijklmnop')]), '8 B', 'max=')).toBe('在 8 B 内没有找到消息结尾（max=）：切分到此为止')
    saysInChinese(await stop('length:size=1,adjust=-5', [1, 2, 3]), 'adjust=-5')
    saysInChinese(await stop('length:size=2,max=100', [3, 0xe8, 1]), '1,000', '100 B', 'max=')
    expect(saysInChinese(await stop('length:size=1', [5, 1, 2]))).toBe('数据流在此消息中途结束')
  })

  it("a framing script's: bytes skipped, no message end within the limit, a frame() or describe() that loops", async () => {
    const skip = file('skip.js', 'export function frame(b) {\n  if (b[0] === 0) return { skip: 2 }\n  return b.length ? b[0] : null\n}\n')
    expect(saysInChinese(cut(await codecOf(`script:${skip}`), [{ dir: 'client', bytes: Uint8Array.from([0, 0, 1]) }])[0].error!, '2')).toBe('不是消息：frame() 跳过了 2 个字节')
    const waits = file('waits.js', 'export function frame() {\n  return null\n}\n')
    saysInChinese(cut(await codecOf(`script:${waits}`), [{ dir: 'client', bytes: new Uint8Array(16 * 1024 * 1024 + 1) }])[0].error!, 'frame()', '16.0 MiB')
    const spin = file('spin.js', 'export function frame(b) {\n  if (b[0] === 0xee) for (;;) {}\n  return b.length ? b[0] : null\n}\n')
    expect(saysInChinese(cut(await codecOf(`script:${spin}`), [{ dir: 'client', bytes: Uint8Array.from([0xee]) }])[0].error!, 'spin.js', '250 ms')).toBe(
      'frame() 未在 250 ms 的时限内给出结果（是死循环吗？spin.js）；脚本会为后面的内容重新启动：切分到此为止'
    )
    // Three a connection stop it there; nine stop it until it is loaded again.
    const loops = file('loops.js', 'export function frame(b) {\n  return b.length ? 1 : null\n}\nexport function describe(m) {\n  if (m[0] >= 0xe0) for (;;) {}\n  return { summary: `byte ${m[0]}` }\n}\n')
    const c = await codecOf(`script:${loops}`)
    // Three messages that loop, each its own (a message shown again says what it said, without a call).
    const errors = [0, 1, 2].flatMap(() => describeAll(c, [{ dir: 'client', bytes: Uint8Array.from([0xe1, 0xe2, 0xe3]) }]).map((m) => m.described.error!))
    saysInChinese(errors[2], 'describe()', 'loops.js', '3', '250 ms')
    saysInChinese(errors[8], 'describe()', 'loops.js', '9', '250 ms', '“解码为…”')
  }, 30_000)
})

/** A refused connect's recorded reason, when opening the client does not fail by itself (it records and reports the failure). */
async function refusedFromConnection(te: TestEngine): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const c = te.engine.capture.connections().find((x) => x.error !== undefined)
    if (c?.error) return c.error.message
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error('no refused connect recorded')
}
