// "Mock this response" makes a rule of a recorded exchange: its method and path (no query,
// exact when it holds a glob character), its status, content type and decoded body (JSON as
// data, text as text, binary as hex). The editor's text reads back as one rule or one line.
import { describe, expect, it } from 'vitest'
import type { HttpExchange, HttpMessage } from '../../../../src/shared/protocol-types'
import { mockRuleFor, targetPath } from '../../../../src/renderer/src/features/rules/mock-rule'
import { parseRuleText } from '../../../../src/renderer/src/features/rules/rule-text'
import { checkRule } from '../../../../src/shared/rules/rule-schema'

const msg = (over: Partial<HttpMessage>): HttpMessage => ({
  dir: 'client',
  startLine: '',
  startRange: { dir: 'client', offset: 0, length: 0 },
  version: 'HTTP/1.1',
  headers: [],
  headRange: { dir: 'client', offset: 0, length: 0 },
  body: { framing: 'length', range: { dir: 'client', offset: 0, length: 0 }, size: 0, complete: true },
  startedAt: 0,
  ...over
})
const x = (target: string, status: number | undefined, type?: string): Pick<HttpExchange, 'request' | 'response'> => ({
  request: msg({ method: 'get', target }),
  ...(status !== undefined ? { response: msg({ dir: 'server', status, headers: type ? [{ name: 'Content-Type', value: type, range: { dir: 'server', offset: 0, length: 0 } }] : [] }) } : {})
})
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('mock this response', () => {
  it('answers the method and path as recorded, JSON as data', () => {
    const spec = mockRuleFor(x('/api/user?id=7', 200, 'application/json; charset=utf-8'), bytes('{"id":7,"name":"Ada"}'))
    expect(spec).toEqual({
      name: 'mock GET /api/user',
      match: { http: { method: 'GET', path: '/api/user' } },
      steps: [{ respond: { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, json: { id: 7, name: 'Ada' } } }]
    })
    // What the engine's own schema takes.
    expect(() => checkRule(spec, 'rule 1')).not.toThrow()
  })

  it('keeps text as text, binary as hex, a glob character exact, and answers 200 with no response recorded', () => {
    expect(mockRuleFor(x('/page', 404, 'text/html'), bytes('<p>gone</p>')).steps).toEqual([{ respond: { status: 404, headers: { 'content-type': 'text/html' }, body: '<p>gone</p>' } }])
    expect(mockRuleFor(x('/logo', 200, 'image/png'), new Uint8Array([0x89, 0x50, 0xff])).steps).toEqual([{ respond: { status: 200, headers: { 'content-type': 'image/png' }, hex: '8950ff' } }])
    expect(mockRuleFor(x('/a*b', 204), undefined)).toEqual({ name: 'mock GET /a*b', match: { http: { method: 'GET', path: { exact: '/a*b' } } }, steps: [{ respond: { status: 204 } }] })
    expect(mockRuleFor(x('/nothing', undefined), undefined).steps).toEqual([{ respond: { status: 200 } }])
    expect(targetPath('http://api.test:8080/v1/items?x=1')).toBe('/v1/items')
    expect(targetPath('*')).toBe('*')
  })

  it("reads the editor's text as one rule, or says in one line why not", () => {
    expect(parseRuleText('{"match":{"http":{}},"steps":[{"drop":true}]}')).toEqual({ spec: { match: { http: {} }, steps: [{ drop: true }] } })
    const bad = parseRuleText('{ "match": ')
    expect(bad).toMatchObject({ problem: 'notJson' })
    expect('message' in bad && !bad.message.includes('\n')).toBe(true)
    expect(parseRuleText('[{}]')).toEqual({ problem: 'notOne', what: 'array' })
    expect(parseRuleText('null')).toEqual({ problem: 'notOne', what: 'null' })
  })
})
