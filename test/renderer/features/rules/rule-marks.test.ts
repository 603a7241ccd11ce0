// Which HTTP exchange a rule record is about: the one whose request (or response) starts where
// the record says, or, for a response's rewrite (recorded without its place), where the data
// before the record says; a mock's status read from the answer it delivered.
import { describe, expect, it } from 'vitest'
import type { CaptureEvent } from '../../../../src/shared/capture-types'
import type { HttpExchange, HttpMessage } from '../../../../src/shared/protocol-types'
import { actedAt, deliveredStatus, exchangeRuleMarks } from '../../../../src/renderer/src/features/rules/rule-marks'

let seq = 0
const ev = (e: Partial<CaptureEvent>): CaptureEvent => ({ seq: ++seq, kind: 'data', time: 0, mono: 0, ...e })
const data = (dir: 'client' | 'server', offset: number, length: number): CaptureEvent => ev({ dir, offset, length })
const b64 = (s: string): string => btoa(s)
const rule = (dir: 'client' | 'server', info: Record<string, unknown>): CaptureEvent => ev({ kind: 'rule', dir, info: { rule: 'r1', label: 'mock user', message: '', ...info } })
const message = (dir: 'client' | 'server', offset: number): HttpMessage => ({ dir, startLine: '', startRange: { dir, offset, length: 1 }, version: 'HTTP/1.1', headers: [], headRange: { dir, offset, length: 10 }, body: { framing: 'none', range: { dir, offset, length: 0 }, size: 0, complete: true }, startedAt: 0 })
const exchange = (index: number, request: number, response?: number): Pick<HttpExchange, 'index' | 'request' | 'response'> => ({ index, request: message('client', request), ...(response !== undefined ? { response: message('server', response) } : {}) })

describe('rule marks', () => {
  it('marks the exchange a rule mocked, with the status it answered, on a keep-alive connection', () => {
    const events = [
      ev({ kind: 'open' }),
      data('client', 0, 80),
      data('server', 0, 120),
      data('client', 80, 87),
      rule('client', { action: 'respond', offset: 80, size: 87, summary: 'GET /api/user', delivered: b64('HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n'), deliveredSize: 40 })
    ]
    const marks = exchangeRuleMarks(events, [exchange(0, 0, 0), exchange(1, 80)])
    expect([...marks.keys()]).toEqual([1])
    expect(marks.get(1)).toMatchObject({ kind: 'mocked', label: 'mock user', status: 201, sentAt: { offset: 80, size: 87 } })
  })

  it("finds a response's rewrite from the data before its record, and a mock wins over a rewrite of the same exchange", () => {
    const events = [data('client', 0, 60), data('server', 0, 100), data('server', 100, 89), rule('server', { action: 'rewrite', size: 189, summary: '200 OK', deliveredSize: 191 })]
    expect(actedAt(events, 3)).toEqual({ offset: 0, size: 189 })
    expect(exchangeRuleMarks(events, [exchange(0, 0, 0)]).get(0)).toMatchObject({ kind: 'rewritten' })
    const both = [data('client', 0, 60), rule('client', { action: 'rewrite', offset: 0, size: 60 }), rule('client', { action: 'respond', offset: 0, size: 60 })]
    expect(exchangeRuleMarks(both, [exchange(0, 0)]).get(0)?.kind).toBe('mocked')
    // A delay marks nothing; a record about no exchange's start marks nothing.
    expect(exchangeRuleMarks([data('client', 0, 60), rule('client', { action: 'delay', offset: 0, size: 60 }), rule('client', { action: 'respond', offset: 7, size: 3 })], [exchange(0, 0)]).size).toBe(0)
  })

  it("reads a delivered answer's status, and nothing from what is not HTTP", () => {
    expect(deliveredStatus({ rule: 'r1', label: 'x', action: 'respond', message: '', delivered: b64('HTTP/1.1 404 Not Found\r\n\r\n') })).toBe(404)
    expect(deliveredStatus({ rule: 'r1', label: 'x', action: 'respond', message: '', delivered: b64('+OK\r\n') })).toBeUndefined()
    expect(deliveredStatus({ rule: 'r1', label: 'x', action: 'respond', message: '' })).toBeUndefined()
  })
})
