// The Chinese UI says the engine's most common errors in Chinese by their English wording
// (src/renderer/src/ui/engine-words.ts). Each wording there is checked here
// against the error the engine really makes (through its commands where a test can cause it
// cheaply, else the one function that words it), so a change of wording that would leave
// the Chinese UI in English fails beside the engine; in English every message stays as the
// engine said it.
import { afterEach, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { engineWords } from '../../../src/renderer/src/ui/engine-words'
import engineWordsMessages from '../../../src/renderer/src/platform/i18n/messages/engine-words'
import { describeNetError } from '../../../src/core/net/net-errors'
import { cancelled } from '../../../src/core/net/net-errors'
import { parseEndpoint, parseConnectEndpoint } from '../../../src/shared/endpoint'
import { parseHex } from '../../../src/shared/payload/parse-hex'
import { toWireError } from '../../../src/shared/errors'
import { EngineError } from '../../../src/shared/errors'
import { exchangeWord } from '../../../src/core/decode/exchange-words'
import { parseFilter } from '../../../src/core/capture/query/connection-query'
import { ExchangeList } from '../../../src/core/decode/exchange-query'
import { ExchangeTable } from '../../../src/core/decode/exchange-table'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { REFUSED_PORT, startServer, tempDir } from '../../helpers/net'

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
    const several = await thrown(() => new ExchangeList(new ExchangeTable()).rows('stauts:200 conn:x status:lots proto:ftp', 'start', false))
    // The frame and the words known are said in Chinese; a mistake whose wording is not known stays as the engine said it.
    expect(saysInChinese(several)).toBe(
      '4 处错误：（1）未知的过滤词 “stauts:”：你要写的是不是 status:？；（2）filter conn:x: conn wants a connection id, e.g. conn:12；（3）status:lots 不是状态码、类别或范围；例如 status:404、status:4xx 或 status:200-299；还有 1 处'
    )
  })

  it('leaves a message it does not know as the engine said it, in either language', () => {
    const odd = 'toxic corrupt: probability must be between 0 and 1'
    expect(engineWords(odd, zh)).toBe(odd)
    expect(engineWords(odd, en)).toBe(odd)
  })
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
