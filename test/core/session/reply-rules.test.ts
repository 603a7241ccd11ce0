// Reply rules of a server session: each match mode, regex groups in the reply, GBK text,
// first match wins, echo for the rest, and a bad rule refused before anything listens.
import { afterEach, describe, expect, it } from 'vitest'
import iconv from 'iconv-lite'
import { connectTo, startServer, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { oneLineRejection } from '../../helpers/errors'
import { captured, connIdOf, SocketReader, summaryOf } from '../../helpers/sessions'
import type { ReplyRule } from '../../../src/shared/session-types'

let t: TestEngine
afterEach(async () => t?.dispose())

const RULES: ReplyRule[] = [
  { match: 'regex', pattern: '^GET (\\S+)', reply: { kind: 'text', data: 'you asked for $1\\r\\n' } },
  { match: 'exact', pattern: 'ping', reply: { kind: 'text', data: 'pong' } },
  { match: 'starts', format: 'hex', pattern: '0102', reply: { kind: 'hex', data: '0a0b' } },
  { match: 'ends', pattern: 'bye', reply: { kind: 'text', data: 'ciao' } },
  { match: 'contains', pattern: '你好', encoding: 'gbk', reply: { kind: 'text', data: '收到', encoding: 'gbk' } }
]

interface RuleClient {
  /** Sends one chunk and returns the reply, once as many bytes as `expected` has arrived. */
  ask(request: Buffer | string, expected: Buffer | string): Promise<Buffer>
  reader: SocketReader
  connId: number
}

async function ruleClient(behaviour: { rules: ReplyRule[]; echo?: boolean }): Promise<RuleClient> {
  const server = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour })
  const reader = new SocketReader(await connectTo(portOf(server.listen)))
  const connId = await connIdOf(t.engine, reader.socket)
  let seen = 0
  // One request at a time, each after the previous reply, so every request is its own chunk.
  const ask = async (request: Buffer | string, expected: Buffer | string): Promise<Buffer> => {
    reader.socket.write(request)
    const all = await reader.atLeast(seen + Buffer.byteLength(expected))
    const reply = all.subarray(seen)
    seen = all.length
    return reply
  }
  return { ask, reader, connId }
}

describe('server session: reply rules', () => {
  it('answers each match mode with its reply and echoes what no rule matches', async () => {
    t = await testEngine()
    const { ask, connId } = await ruleClient({ echo: true, rules: RULES })
    const gbkHello = iconv.encode('我说你好啊', 'gbk')
    const gbkGot = iconv.encode('收到', 'gbk')
    const cases: Array<[string, Buffer | string, Buffer | string]> = [
      ['regex with a group', 'GET /index.html HTTP/1.0\r\n', 'you asked for /index.html\r\n'],
      ['exact', 'ping', 'pong'],
      ['starts (hex)', Buffer.from([0x01, 0x02, 0x03, 0xff]), Buffer.from([0x0a, 0x0b])],
      ['ends', 'good bye', 'ciao'],
      ['contains (GBK)', gbkHello, gbkGot],
      ['no rule: echo', 'ping!', 'ping!'],
      ['no rule: echo (exact needs the whole chunk)', ' ping', ' ping'],
      ['no rule: echo (regex is anchored)', 'xGET /a', 'xGET /a'],
      ['no rule: echo (UTF-8 你好 is not GBK 你好)', '你好', '你好']
    ]
    for (const [what, request, expected] of cases) {
      expect((await ask(request, expected)).toString('hex'), what).toBe(Buffer.from(expected).toString('hex'))
    }
    // The capture holds the conversation in order, both ways.
    const requests = Buffer.concat(cases.map(([, r]) => Buffer.from(r)))
    const replies = Buffer.concat(cases.map(([, , e]) => Buffer.from(e)))
    expect(await captured(t.engine, connId, 'client')).toEqual(requests)
    expect(await captured(t.engine, connId, 'server')).toEqual(replies)
  })

  it('answers with the first matching rule only, so the order of rules matters', async () => {
    t = await testEngine()
    const hello = { match: 'starts', pattern: 'hello', reply: { kind: 'text', data: 'first' } } as const
    const anyH = { match: 'contains', pattern: 'h', reply: { kind: 'text', data: 'second' } } as const
    const a = await ruleClient({ rules: [hello, anyH] })
    expect((await a.ask('hello world', 'first')).toString()).toBe('first')
    expect((await a.ask('oh', 'second')).toString()).toBe('second')
    const b = await ruleClient({ rules: [anyH, hello] })
    expect((await b.ask('hello world', 'second')).toString()).toBe('second')
  })

  it('substitutes $& and several groups, and an unmatched group as nothing', async () => {
    t = await testEngine()
    const { ask } = await ruleClient({
      rules: [{ match: 'regex', pattern: '^SET (\\w+)=(\\w+)(!)?', reply: { kind: 'text', data: '[$&] $1 is $2$3\\n' } }]
    })
    expect((await ask('SET color=blue', '[SET color=blue] color is blue\n')).toString()).toBe('[SET color=blue] color is blue\n')
    expect((await ask('SET a=b!', '[SET a=b!] a is b!\n')).toString()).toBe('[SET a=b!] a is b!\n')
  })

  it('sends nothing for unmatched data when echo is off', async () => {
    t = await testEngine()
    const { ask, reader, connId } = await ruleClient({ rules: [{ match: 'exact', pattern: 'ping', reply: { kind: 'text', data: 'pong' } }] })
    reader.socket.write('nothing matches this')
    await waitFor(() => summaryOf(t.engine, connId).bytes.client === 20, 'the session to read it')
    expect((await ask('ping', 'pong')).toString()).toBe('pong')
    // In order on one connection: an answer to the first data would have come before pong.
    expect(reader.text).toBe('pong')
  })

  it('refuses a bad regex at server.start with a one-line error and takes no port', async () => {
    t = await testEngine()
    // A port known to be free; the refused start must leave it free.
    const probe = await startServer(() => {})
    const port = probe.port
    await probe.close()
    const message = await oneLineRejection(
      t.engine['server.start']({
        listen: `127.0.0.1:${port}`,
        behaviour: { rules: [RULES[1], { match: 'regex', pattern: '^GET (\\S+', reply: { kind: 'text', data: 'x' } }] }
      })
    )
    expect(message).toBe('reply rule 2: bad regular expression /^GET (\\S+/: missing closing ): ^GET (\\S+')
    expect(await t.engine['session.list']()).toEqual([])
    const again = await startServer(() => {})
    expect(again.port).toBeGreaterThan(0)
    await again.close()
    const reuse = await t.engine['server.start']({ listen: `127.0.0.1:${port}` })
    expect(portOf(reuse.listen)).toBe(port)
  })

  it('refuses bad hex patterns and bad replies with a one-line error naming the rule', async () => {
    t = await testEngine()
    const badHex = await oneLineRejection(
      t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { rules: [{ match: 'exact', format: 'hex', pattern: '01 0z', reply: { kind: 'text', data: 'x' } }] } })
    )
    expect(badHex).toBe('reply rule 1: bad hex digit "z" at position 5: use 0-9 and a-f (spaces and 0x are allowed)')
    const badReply = await oneLineRejection(
      t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { rules: [{ match: 'exact', pattern: 'a', reply: { kind: 'hex', data: 'abc' } }] } })
    )
    expect(badReply).toBe('reply rule 1: odd number of hex digits (3): every byte needs two digits, e.g. 0a not a')
    expect(await t.engine['session.list']()).toEqual([])
  })
})
