// What the conversation and the flow say about events and turns, in English and Chinese:
// the accessible names the tests and screen readers use, and the labels on the arrows.
import { describe, expect, it } from 'vitest'
import type { CaptureEvent, Turn } from '../../../../src/shared/capture-types'
import { createAppI18n } from '../../../../src/renderer/src/app/i18n'
import { eventName, eventWhat, since, turnLabel, turnName, type Translate } from '../../../../src/renderer/src/features/conversation/picture-labels'

const translate = (lang: 'en' | 'zh-CN'): Translate => createAppI18n(lang).global.t as Translate
const en = translate('en')
const zh = translate('zh-CN')
const ev = (e: Partial<CaptureEvent>): CaptureEvent => ({ seq: 1, kind: 'data', time: 0, mono: 0, ...e })
const turn = (t: Partial<Turn>): Turn => ({ kind: 'data', event: 1, time: 0, at: 3.2, ...t })

describe('picture labels', () => {
  it('names a chunk by its direction, size and time', () => {
    expect(eventName(en, ev({ dir: 'client', offset: 0, length: 38 }), '12:01:03.120')).toBe('client → server 38 B at 12:01:03.120')
    expect(eventName(zh, ev({ dir: 'server', offset: 0, length: 2048 }), '+1.00 ms')).toBe('服务器 → 客户端 2.00 KiB，+1.00 ms')
  })

  it('says who sent a FIN or a reset, and why a connection closed or failed', () => {
    expect(eventWhat(en, ev({ kind: 'fin', dir: 'server' }))).toBe('server sent FIN')
    expect(eventWhat(en, ev({ kind: 'reset', dir: 'client' }))).toBe('client reset the connection (RST)')
    expect(eventWhat(en, ev({ kind: 'close', info: { end: 'server-reset' } }))).toBe('closed: reset by the server')
    expect(eventWhat(en, ev({ kind: 'connect-failed', info: { code: 'ECONNREFUSED', message: 'connection refused by 127.0.0.1:9' } }))).toBe('connect failed: connection refused by 127.0.0.1:9')
    expect(eventWhat(zh, ev({ kind: 'reset', dir: 'server' }))).toBe('服务器重置了连接（RST）')
    // A plain close in one phrase, never "closed: closed".
    expect(eventWhat(en, ev({ kind: 'close', info: { end: 'closed' } }))).toBe('closed normally')
    expect(eventWhat(zh, ev({ kind: 'close', info: { end: 'closed' } }))).toBe('正常关闭')
    expect(eventName(en, ev({ kind: 'open' }), '12:00:00.000')).toBe('opened at 12:00:00.000')
  })

  it('names a turn by direction, size and time since the open; a mark by who and why', () => {
    expect(turnName(en, turn({ dir: 'client', length: 512 }))).toBe('client → server 512 B at +3.20 ms')
    expect(turnName(en, turn({ kind: 'reset', dir: 'server', at: 1500 }))).toBe('server RST at +1.50 s')
    expect(turnName(en, turn({ kind: 'connect-failed', info: { code: 'ECONNREFUSED', message: 'connection refused' } }))).toBe('connect failed at +3.20 ms: connection refused')
    expect(turnName(en, turn({ kind: 'close', info: { end: 'client-reset' } }))).toBe('closed at +3.20 ms: reset by the client')
    expect(turnName(zh, turn({ kind: 'fin', dir: 'client' }))).toBe('客户端 FIN，+3.20 ms')
    expect(turnName(en, turn({ kind: 'close', info: { end: 'closed' } }))).toBe('closed normally at +3.20 ms')
    expect(turnName(zh, turn({ kind: 'close', info: { end: 'closed' } }))).toBe('正常关闭，+3.20 ms')
  })

  it('labels an arrow with its size and its chunks when there are several, a mark with its short name', () => {
    expect(turnLabel(en, turn({ dir: 'client', length: 512, chunks: 1 }))).toBe('512 B')
    expect(turnLabel(en, turn({ dir: 'client', length: 512, chunks: 3 }))).toBe('512 B · 3 chunks')
    expect(turnLabel(zh, turn({ dir: 'client', length: 512, chunks: 3 }))).toBe('512 B · 3 个数据块')
    expect(turnLabel(en, turn({ kind: 'fin', dir: 'client' }))).toBe('FIN')
    expect(turnLabel(en, turn({ kind: 'connect-failed', info: { code: 'ECONNREFUSED' } }))).toBe('connect failed: ECONNREFUSED')
    expect(turnLabel(en, turn({ kind: 'close', info: { end: 'closed' } }))).toBe('closed')
    expect(turnLabel(zh, turn({ kind: 'close', info: { end: 'closed' } }))).toBe('已关闭')
  })

  it('writes times since something with a plus sign', () => {
    expect(since(0)).toBe('+0')
    expect(since(3.2)).toBe('+3.20 ms')
    expect(since(0.0004)).toBe('+< 1 µs')
    expect(since(-1)).toBe('+0')
  })
})
