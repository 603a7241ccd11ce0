// What the conversation and the flow say about events and turns, in English and Chinese:
// the accessible names the tests and screen readers use, and the labels on the arrows.
import { describe, expect, it } from 'vitest'
import type { CaptureEvent, Turn } from '../../../../src/shared/capture-types'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
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

  it('says a reset tcpscope made is its own, what made it and which sides got the RST, not that it was stopped', () => {
    const reset = (by: string, rst: Record<string, boolean>): Record<string, unknown> => ({ end: 'tcpscope-reset', bytes: { client: 2, server: 0 }, reset: { by, rst } })
    expect(eventWhat(en, ev({ kind: 'close', info: reset('toxic', { client: true, server: true }) }))).toBe('closed: reset by tcpscope (a reset_peer or down toxic): RST sent to the client and the target')
    expect(eventWhat(zh, ev({ kind: 'close', info: reset('rule', { client: true, server: true }) }))).toBe('已关闭：被 tcpscope 重置（流量规则或脚本）：RST 发给客户端和目标')
    expect(eventWhat(en, ev({ kind: 'close', info: reset('breakpoint', { client: true, server: true }) }))).toBe("closed: reset by tcpscope (a breakpoint's Reset): RST sent to the client and the target")
    expect(eventWhat(en, ev({ kind: 'close', info: reset('action', { client: false, server: true }) }))).toBe('closed: reset by tcpscope (your action on the connection): RST sent to the target')
    expect(turnName(en, turn({ kind: 'close', info: reset('action', { client: true, server: false }) }))).toBe('closed at +3.20 ms: reset by tcpscope (your action on the connection): RST sent to the client')
    // No side got an RST (a Unix socket only closes): said so, in both languages, not "the client".
    expect(eventWhat(en, ev({ kind: 'close', info: reset('toxic', { client: false, server: false }) }))).toBe('closed: reset by tcpscope (a reset_peer or down toxic): RST sent to neither side (it was closed without one)')
    expect(eventWhat(zh, ev({ kind: 'close', info: reset('toxic', { client: false, server: false }) }))).toBe('已关闭：被 tcpscope 重置（reset_peer 或 down 故障）：没有一方收到 RST（连接只是被关闭）')
    expect(eventWhat(zh, ev({ kind: 'close', info: reset('action', { client: false, server: true }) }))).toBe('已关闭：被 tcpscope 重置（你对连接的操作）：RST 发给目标')
    // The arrow's label stays short; a record without what made it (or with a cause from a newer tcpscope) says only whose reset it was.
    expect(turnLabel(en, turn({ kind: 'close', info: reset('toxic', { client: true, server: true }) }))).toBe('closed: reset by tcpscope')
    expect(eventWhat(en, ev({ kind: 'close', info: reset('moon', { client: true }) }))).toBe('closed: reset by tcpscope')
    expect(eventWhat(zh, ev({ kind: 'close', info: { end: 'tcpscope-reset' } }))).toBe('已关闭：被 tcpscope 重置')
    expect(eventWhat(en, ev({ kind: 'close', info: { end: 'stopped' } }))).toBe('closed: stopped by tcpscope')
  })

  it('says what a gap did not keep, whose and from where, in both languages', () => {
    const gap = ev({ kind: 'gap', dir: 'server', info: { offset: 65536, bytes: 3 * 1024 * 1024 } })
    expect(eventWhat(en, gap)).toBe('3.00 MiB the server sent not kept, from byte 65536: the disk was slower than the traffic (gap; nothing stands in for these bytes)')
    expect(eventWhat(zh, gap)).toBe('服务器发送的 3.00 MiB 未被保存（自第 65536 字节起）：磁盘跟不上流量（缺口；这些字节不会被补上）')
    const mark = turn({ kind: 'gap', dir: 'client', info: { offset: 0, bytes: 2048 } })
    expect(turnName(en, mark)).toBe('client: 2.00 KiB not kept at +3.20 ms (the disk was slower than the traffic)')
    expect(turnName(zh, mark)).toBe('客户端：2.00 KiB 未保存，+3.20 ms（磁盘跟不上流量）')
    expect(turnLabel(en, mark)).toBe('not kept: 2.00 KiB')
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

  it("words a toxic's, a breakpoint's and a person's marks from their records' fields, in English as the engine says them and in Chinese", () => {
    const fault = (info: Record<string, unknown>): CaptureEvent => ev({ kind: 'fault', dir: 'server', info: { toxic: 'lag', type: 'latency', ...info } })
    const delayed = fault({ message: 'delayed 300 ms', effect: 'delayed', ms: 300 })
    expect(eventWhat(en, delayed)).toBe('fault lag: delayed 300 ms')
    expect(eventWhat(zh, delayed)).toBe('故障 lag：延迟 300 毫秒')
    const corrupted = fault({ message: 'corrupted 1 bit in 20 B', effect: 'corrupted', count: 1, bytes: 20 })
    expect(eventWhat(en, corrupted)).toBe('fault lag: corrupted 1 bit in 20 B')
    expect(eventWhat(en, fault({ message: 'corrupted 3 bits in 20 B', effect: 'corrupted', count: 3, bytes: 20 }))).toBe('fault lag: corrupted 3 bits in 20 B')
    expect(eventWhat(zh, corrupted)).toBe('故障 lag：20 B 中翻转了 1 个比特')
    expect(eventWhat(zh, fault({ message: 'sliced into 12 pieces', effect: 'sliced', count: 12 }))).toBe('故障 lag：切成 12 片')
    expect(eventWhat(zh, fault({ message: 'throttled to 100 KB/s', effect: 'throttled', rate: 100 }))).toBe('故障 lag：限速 100 KB/秒')
    expect(eventWhat(en, fault({ message: 'limited at 1000 B, closed', effect: 'limited', bytes: 1000 }))).toBe('fault lag: limited at 1000 B, closed')
    expect(eventWhat(zh, fault({ message: 'limited at 1000 B, closed', effect: 'limited', bytes: 1000 }))).toBe('故障 lag：放行 1000 B 后关闭')
    expect(eventWhat(en, fault({ message: 'data dropped until the toxic is removed', effect: 'stopped', ms: 0 }))).toBe('fault lag: data dropped until the toxic is removed')
    expect(eventWhat(zh, fault({ message: 'data dropped, closing 500 ms after the last chunk', effect: 'stopped', ms: 500 }))).toBe('故障 lag：数据被丢弃，最后一个数据块之后 500 毫秒关闭')
    expect(eventWhat(en, fault({ message: 'reset by toxic lag', effect: 'reset' }))).toBe('fault lag: reset by toxic lag')
    expect(eventWhat(zh, fault({ message: 'refused by toxic lag', effect: 'refused' }))).toBe('故障 lag：被故障 lag 拒绝')
    // A record written before the fields were: its English message, in either language.
    expect(eventWhat(zh, fault({ message: 'delayed 300 ms' }))).toBe('故障 lag：delayed 300 ms')

    const brk = (info: Record<string, unknown>): CaptureEvent => ev({ kind: 'break', dir: 'client', info: { rule: 'b1', held: 1, offset: 0, size: 13, ...info } })
    const edited = brk({ action: 'edited', message: 'edited: 13 B → 14 B after 4.2 s', heldMs: 4200, sentSize: 14 })
    expect(eventWhat(en, edited)).toBe('breakpoint b1: edited: 13 B → 14 B after 4.2 s')
    expect(eventWhat(zh, edited)).toBe('断点 b1：已修改：13 B → 14 B，拦截了 4.2 秒')
    const held = brk({ action: 'held', message: 'held 2.00 KiB (GET /items) by b1', size: 2048, summary: 'GET /items' })
    expect(eventWhat(en, held)).toBe('breakpoint b1: held 2.00 KiB (GET /items) by b1')
    expect(eventWhat(zh, held)).toBe('断点 b1：拦截 2.00 KiB（GET /items）')
    expect(eventWhat(en, brk({ action: 'held', message: 'held 13 B by b1' }))).toBe('breakpoint b1: held 13 B by b1')
    expect(eventWhat(zh, brk({ action: 'timeout', message: 'timed out after 60.0 s: forwarded unchanged', heldMs: 60_000 }))).toBe('断点 b1：拦截 60.0 秒后超时：原样放行')
    const closedRst = brk({ action: 'dropped', message: 'dropped after 1.0 s, connection closed with RST', heldMs: 1000, closedWith: 'rst' })
    expect(eventWhat(en, closedRst)).toBe('breakpoint b1: dropped after 1.0 s, connection closed with RST')
    expect(eventWhat(zh, closedRst)).toBe('断点 b1：拦截 1.0 秒后丢弃，并以 RST 关闭连接')
    expect(eventWhat(en, brk({ action: 'dropped', message: 'dropped after 1.0 s', heldMs: 1000 }))).toBe('breakpoint b1: dropped after 1.0 s')
    expect(eventWhat(zh, brk({ action: 'closed', message: 'connection closed while held', heldMs: 5 }))).toBe('断点 b1：拦截期间连接已关闭')
    expect(eventWhat(zh, brk({ action: 'forwarded', message: 'forwarded after 0.3 s', heldMs: 300 }))).toBe('断点 b1：拦截 0.3 秒后放行')
    // Over the hold limit: the limit is said, whatever size the message had when it crossed it.
    const tooBig = brk({ rule: '', held: 0, action: 'too-big', message: 'not held: POST /big is over the 16.0 MiB hold limit, let through as it came', size: 16_900_000, summary: 'POST /big' })
    expect(eventWhat(en, tooBig)).toMatch(/not held: POST \/big is over the 16\.0 MiB hold limit, let through as it came$/)
    expect(eventWhat(zh, tooBig)).toMatch(/未拦截：POST \/big 超过 16\.0 MiB 的拦截上限，原样放行$/)
    // HTTP/2: a drop resets the stream on both sides; an edit over the receiver's window is refused.
    const droppedStream = brk({ action: 'dropped', message: 'dropped after 1.0 s: stream 3 reset (CANCEL) on both sides', heldMs: 1000, stream: 3 })
    expect(eventWhat(en, droppedStream)).toBe('breakpoint b1: dropped after 1.0 s: stream 3 reset (CANCEL) on both sides')
    expect(eventWhat(zh, droppedStream)).toBe('断点 b1：拦截 1.0 秒后丢弃：流 3 已向双方重置（CANCEL）')
    const refused = brk({ action: 'refused', message: "edit refused, still held: its body of 300 B is over the 100 B the receiver's flow-control window allows on stream 1 now", heldMs: 10, stream: 1, bodySize: 300, window: 100 })
    expect(eventWhat(en, refused)).toBe("breakpoint b1: edit refused, still held: its body of 300 B is over the 100 B the receiver's flow-control window allows on stream 1 now")
    expect(eventWhat(zh, refused)).toBe('断点 b1：修改被拒绝，仍在拦截：正文 300 B 超过接收方在流 1 上当前的流量控制窗口 100 B')

    const act = (dir: 'client' | 'server', info: Record<string, unknown>): CaptureEvent => ev({ kind: 'action', dir, info })
    expect(eventWhat(en, act('client', { action: 'pause', message: 'paused client → target' }))).toBe('you: paused client → target')
    expect(eventWhat(zh, act('server', { action: 'resume', message: 'resumed target → client' }))).toBe('你：恢复 目标 → 客户端')
    const inject = act('client', { action: 'inject', message: 'injected 2 B toward the target', size: 2 })
    expect(eventWhat(en, inject)).toBe('you: injected 2 B toward the target')
    expect(eventWhat(zh, inject)).toBe('你：向目标注入 2 B')
    // A FIN or RST to the client is recorded on the target's direction (the one whose receiver it closed).
    expect(eventWhat(en, act('server', { action: 'fin', message: 'FIN sent to the client' }))).toBe('you: FIN sent to the client')
    const rst = act('server', { action: 'rst', message: 'RST sent to the client, FIN to the target' })
    expect(eventWhat(en, rst)).toBe('you: RST sent to the client, FIN to the target')
    expect(eventWhat(zh, rst)).toBe('你：向客户端发送 RST，向目标发送 FIN')
  })

  it('writes times since something with a plus sign', () => {
    expect(since(0)).toBe('+0')
    expect(since(3.2)).toBe('+3.20 ms')
    expect(since(0.0004)).toBe('+< 1 µs')
    expect(since(-1)).toBe('+0')
  })
})
