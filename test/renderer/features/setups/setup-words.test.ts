// Setups in words: what a setup holds, in English and Chinese, each part that did not start
// as one line in the page's language, the engine's import error as one line per field, and
// the names of exported and imported files.
import { describe, expect, it } from 'vitest'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { countsText, currentFileName, exportFileName, failureLine, nameFromFile, problemLines } from '../../../../src/renderer/src/features/setups/setup-words'
import { partText, type SetupFailure, type SetupPart } from '../../../../src/shared/setup-types'

const tOf = (locale: 'en' | 'zh-CN') => {
  const t = createAppI18n(locale).global.t as (key: string, named?: Record<string, unknown>, plural?: number) => string
  return (key: string, named: Record<string, unknown> = {}, plural?: number): string => (plural === undefined ? t(key, named) : t(key, named, plural))
}

describe('what a setup holds', () => {
  it('is counted and joined in English, leaving out what it has none of', () => {
    const t = tOf('en')
    expect(countsText({ proxies: 1, servers: 0, clients: 0 }, t)).toBe('1 proxy')
    expect(countsText({ proxies: 1, servers: 1, clients: 0 }, t)).toBe('1 proxy and 1 server')
    expect(countsText({ proxies: 3, servers: 1, clients: 2 }, t)).toBe('3 proxies, 1 server and 2 clients')
    expect(countsText({ proxies: 0, servers: 2, clients: 1 }, t)).toBe('2 servers and 1 client')
    expect(countsText({ proxies: 0, servers: 0, clients: 0 }, t)).toBe('')
  })

  it('reads naturally in Chinese', () => {
    const t = tOf('zh-CN')
    expect(countsText({ proxies: 3, servers: 1, clients: 0 }, t)).toBe('3 个代理和 1 个服务器')
    expect(countsText({ proxies: 3, servers: 1, clients: 2 }, t)).toBe('3 个代理、1 个服务器和 2 个客户端')
    expect(t('setups.offer.ask', { parts: countsText({ proxies: 3, servers: 1, clients: 0 }, t) })).toBe('启动上次的 3 个代理和 1 个服务器？')
  })
})

describe('a part that did not start', () => {
  const failure = (part: SetupPart, message: string): SetupFailure => ({ what: partText(part), part, message })
  const proxy: SetupPart = { kind: 'proxy', where: '127.0.0.1:6380 → 127.0.0.1:6379' }
  it('is one line naming it, in the page language', () => {
    expect(failureLine(failure(proxy, 'address in use'), tOf('en'))).toBe('proxy 127.0.0.1:6380 → 127.0.0.1:6379 did not start: address in use')
    expect(failureLine(failure(proxy, 'address in use'), tOf('zh-CN'))).toBe('代理 127.0.0.1:6380 → 127.0.0.1:6379 未能启动：address in use')
    expect(failureLine(failure({ kind: 'server', where: '127.0.0.1:9000' }, 'x'), tOf('zh-CN'))).toBe('服务器 127.0.0.1:9000 未能启动：x')
    expect(failureLine(failure({ kind: 'client', where: '→ 10.0.0.5:502' }, 'refused'), tOf('en'))).toBe('client → 10.0.0.5:502 did not start: refused')
  })

  it('says a toxic or breakpoint was not added to its proxy', () => {
    expect(failureLine(failure({ ...proxy, rule: { kind: 'toxic', name: 'slow' } }, 'bad'), tOf('en'))).toBe('proxy 127.0.0.1:6380 → 127.0.0.1:6379: toxic slow was not added: bad')
    expect(failureLine(failure({ ...proxy, rule: { kind: 'breakpoint', name: 'http-request' } }, 'bad'), tOf('zh-CN'))).toBe('代理 127.0.0.1:6380 → 127.0.0.1:6379：断点 http-request 未能添加：bad')
    // The English line is the engine's own `what` (what the CLI prints).
    expect(partText({ ...proxy, rule: { kind: 'toxic', name: 'slow' } })).toBe('proxy 127.0.0.1:6380 → 127.0.0.1:6379: toxic slow')
  })
})

describe("the engine's import error", () => {
  it('is one line per wrong field', () => {
    expect(problemLines('3 problems: proxies[0].start.listen: expected a string; servers[1].echo: unknown field; colour: unknown field')).toEqual([
      'proxies[0].start.listen: expected a string',
      'servers[1].echo: unknown field',
      'colour: unknown field'
    ])
  })

  it("keeps a field's own semicolon, and a single problem whole", () => {
    expect(problemLines('2 problems: servers[0].behaviour.rules[0].match: bad pattern "a; b"; clients[0].target: expected HOST:PORT')).toEqual([
      'servers[0].behaviour.rules[0].match: bad pattern "a; b"',
      'clients[0].target: expected HOST:PORT'
    ])
    expect(problemLines('not a tcpscope setup: "kind" must be "tcpscope-setup"')).toEqual(['not a tcpscope setup: "kind" must be "tcpscope-setup"'])
  })
})

describe('file names', () => {
  it('are the setup name with .tcpscope-setup.json, and back', () => {
    expect(exportFileName('redis pair')).toBe('redis pair.tcpscope-setup.json')
    expect(currentFileName(new Date('2026-11-23T09:30:00Z'))).toBe('setup-2026-11-23.tcpscope-setup.json')
    expect(nameFromFile('redis pair.tcpscope-setup.json')).toBe('redis pair')
    expect(nameFromFile('C:\\setups\\lab.JSON')).toBe('lab')
    expect(nameFromFile('.hidden:weird?.json')).toBe('hidden-weird-')
    expect(nameFromFile('本地.json')).toBe('本地')
    expect(nameFromFile('...json')).toBe('imported')
  })
})
