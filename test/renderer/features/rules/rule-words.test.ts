// A rule in the Rules panel's words: what it matches, what it does and how often, in English
// and Chinese, field values as written.
import { describe, expect, it } from 'vitest'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import type { Translate } from '../../../../src/renderer/src/features/conversation/picture-labels'
import { limitWords, matcherWords, stepsWords } from '../../../../src/renderer/src/features/rules/rule-words'

const en = createAppI18n('en').global.t as Translate
const zh = createAppI18n('zh-CN').global.t as Translate

describe('rule words', () => {
  it('says what a matcher matches, combined ones included', () => {
    expect(matcherWords(en, { http: { method: 'GET', path: '/api/user' } })).toBe('HTTP GET /api/user')
    expect(matcherWords(en, { http: { method: ['get', 'post'], path: { regex: '^/v\\d' }, host: 'api.test', headers: { authorization: true } } })).toBe('HTTP GET|POST /^/v\\d/ host api.test with authorization')
    expect(matcherWords(en, { http: { body: { json: { '$.user.id': 7 } } } })).toBe('HTTP body $.user.id = 7')
    expect(matcherWords(en, { all: [{ http: { path: { prefix: '/admin' } } }, { not: { connection: { client: '10.0.0.1' } } }] })).toBe('HTTP starting "/admin" and not (connection from 10.0.0.1)')
    expect(matcherWords(en, { any: [{ grpc: { method: 'GetUser' } }, { resp: { command: 'get', key: 'user:*' } }] })).toBe('(gRPC GetUser or redis GET user:*)')
    expect(matcherWords(en, { message: { protocol: 'mqtt', dir: 'client', summary: { contains: 'PUBLISH' } } })).toBe('message mqtt from the client containing "PUBLISH"')
    expect(matcherWords(en, { http: {} })).toBe('HTTP anything')
    expect(matcherWords(zh, { all: [{ http: { method: 'GET', host: 'api.test' } }, { connection: { targetPort: 443 } }] })).toBe('HTTP GET 主机 api.test 且 连接 发往 *:443')
  })

  it('says the steps in order, and how often the rule acts and has left', () => {
    expect(stepsWords(en, [{ respond: { status: 200, json: { ok: true } } }])).toBe('respond 200 JSON')
    expect(stepsWords(en, [{ delay: 300 }, { respond: { status: 204 } }])).toBe('wait 300 ms → respond 204')
    expect(stepsWords(en, [{ rewrite: { request: { headers: { 'x-a': '1' } }, response: { json: { '$.a': 1 }, status: 500 } } }])).toBe('rewrite request (headers), response (json, status)')
    expect(stepsWords(en, [{ forward: { to: 'http://localhost:3000' } }])).toBe('forward to http://localhost:3000')
    expect(stepsWords(en, [{ respond: { resp: { simple: 'OK' } } }, { close: true }])).toBe('respond redis simple → close')
    expect(stepsWords(en, [{ reset: true }])).toBe('reset (RST)')
    expect(stepsWords(zh, [{ delay: 300 }, { rewrite: { response: { body: 'x' } } }, { timeout: true }])).toBe('等待 300 毫秒 → 改写响应 (body) → 不作应答')
    const spec = { match: { http: {} }, steps: [{ drop: true as const }] }
    expect(limitWords(en, { spec })).toBe('every time')
    expect(limitWords(en, { spec: { ...spec, once: true }, left: 0 })).toBe('once · 0 left')
    expect(limitWords(en, { spec: { ...spec, times: 3 }, left: 2 })).toBe('3 times · 2 left')
    expect(limitWords(zh, { spec: { ...spec, times: 3 }, left: 2 })).toBe('3 次 · 剩 2 次')
  })
})
