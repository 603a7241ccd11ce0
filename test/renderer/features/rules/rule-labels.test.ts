// What the conversation says a rule did: "rule <label>: <message>", in the warning colour as
// every intervention is; in Chinese from the record's fields where it has them, else its English line.
import { describe, expect, it } from 'vitest'
import type { CaptureEvent } from '../../../../src/shared/capture-types'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { eventName, eventWhat, type Translate } from '../../../../src/renderer/src/features/conversation/picture-labels'
import { glyph, isIntervention, isWarning } from '../../../../src/renderer/src/features/conversation/conversation-rows'

const en = createAppI18n('en').global.t as Translate
const zh = createAppI18n('zh-CN').global.t as Translate
const rule = (info: Record<string, unknown>, dir: 'client' | 'server' = 'client'): CaptureEvent => ({ seq: 1, kind: 'rule', dir, time: 0, mono: 0, info: { rule: 'r1', label: 'mock user', ...info } })
const b64 = (s: string): string => btoa(s)

describe('rule marks in the conversation', () => {
  it("says the rule's label and what it did, in both languages", () => {
    const mocked = rule({ action: 'respond', message: 'answered GET /api/user with 200 (not sent to the target)', summary: 'GET /api/user', offset: 0, size: 87, delivered: b64('HTTP/1.1 200 OK\r\n\r\n'), deliveredSize: 19 })
    expect(eventWhat(en, mocked)).toBe('rule mock user: answered GET /api/user with 200 (not sent to the target)')
    expect(eventWhat(zh, mocked)).toBe('规则 mock user：代为应答 GET /api/user，状态 200（未发往目标）')
    expect(eventName(en, mocked, '12:00:00.000')).toBe('rule mock user: answered GET /api/user with 200 (not sent to the target) at 12:00:00.000')
    // A server session's rule answers for itself: no target to say it was kept from.
    const own = rule({ action: 'respond', message: 'answered GET /api/user with 200', summary: 'GET /api/user', offset: 0, size: 87, delivered: b64('HTTP/1.1 200 OK\r\n\r\n'), deliveredSize: 19 })
    expect(eventWhat(en, own)).toBe('rule mock user: answered GET /api/user with 200')
    expect(eventWhat(zh, own)).toBe('规则 mock user：应答 GET /api/user，状态 200')
    const raw = (message: string): CaptureEvent => rule({ action: 'respond', message, summary: 'GET feature-flag', offset: 0, size: 30, delivered: b64('$2\r\non\r\n'), deliveredSize: 8 })
    expect(eventWhat(zh, raw('answered GET feature-flag (not sent to the target)'))).toBe('规则 mock user：代为应答 GET feature-flag（未发往目标）')
    expect(eventWhat(zh, raw('answered GET feature-flag'))).toBe('规则 mock user：应答 GET feature-flag')
    const delay = rule({ action: 'delay', message: 'delayed GET /slow 200 ms', summary: 'GET /slow', offset: 0, size: 30 })
    expect(eventWhat(en, delay)).toBe('rule mock user: delayed GET /slow 200 ms')
    expect(eventWhat(zh, delay)).toBe('规则 mock user：将 GET /slow 延迟 200 毫秒')
    // The script's own delay keeps its English line: its words differ.
    expect(eventWhat(zh, rule({ action: 'delay', message: 'the script delayed GET /slow 200 ms', summary: 'GET /slow' }))).toBe('规则 mock user：the script delayed GET /slow 200 ms')
    const response = rule({ label: 'HTTP /api/x', action: 'rewrite', message: 'rewrote the response 200 OK to GET /api/x', summary: '200 OK', size: 189 }, 'server')
    expect(eventWhat(en, response)).toBe('rule HTTP /api/x: rewrote the response 200 OK to GET /api/x')
    expect(eventWhat(zh, response)).toBe('规则 HTTP /api/x：改写了对 GET /api/x 的响应 200 OK')
    expect(eventWhat(zh, rule({ action: 'reset', message: 'reset the connection at GET /', summary: 'GET /' }))).toBe('规则 mock user：在 GET / 处重置了连接')
    // What the fields do not say (a forward's destination, a rewrite's notes) stays the engine's line.
    const notes = rule({ action: 'rewrite', message: 'rewrote the response 200 OK to GET /x: json paths not set: the body is not JSON', summary: '200 OK' }, 'server')
    expect(eventWhat(zh, notes)).toBe('规则 mock user：rewrote the response 200 OK to GET /x: json paths not set: the body is not JSON')
    expect(eventWhat(zh, rule({ action: 'forward', message: 'sent GET / to http://b:1 instead of the target', summary: 'GET /' }))).toBe('规则 mock user：sent GET / to http://b:1 instead of the target')
  })

  it('is an intervention, in the warning colour, with its own glyph', () => {
    const e = rule({ action: 'delay', message: 'delayed GET / 300 ms' })
    expect(isIntervention(e)).toBe(true)
    expect(isWarning(e)).toBe(true)
    expect(glyph(e)).toBe('§')
  })
})
