// @vitest-environment jsdom
// The conversation marks where messages start when the connection has a framing: at the byte
// each starts, in text (after control characters shown by name and multi-byte characters) and
// in hex; a message split across chunks is marked once, where it starts; only the pages of
// msg.page the chunks on screen need are read; an unframed connection is asked once and no more.
import type { VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import type { CaptureEvent, ConnectionSummary, Direction } from '../../../../src/shared/capture-types'
import type { MessagePage, StreamMessage } from '../../../../src/shared/message-types'
import ConversationView from '../../../../src/renderer/src/features/conversation/ConversationView.vue'
import { chunksAs } from '../../../../src/renderer/src/features/conversation/conversation-rows'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { fakeTransport } from '../../fake-transport'
import { settle, useViewport } from '../../viewport'

const viewport = useViewport({ clientHeight: 400, clientWidth: 800 })

const T = Date.UTC(2026, 0, 1, 12, 0, 0)
const conn: ConnectionSummary = {
  id: 7,
  kind: 'proxy',
  ownerId: 'p1',
  client: { address: '127.0.0.1', port: 5000, family: 'IPv4' },
  target: '127.0.0.1:9000',
  openedAt: T,
  closedAt: T + 40,
  bytes: { client: 24, server: 0 },
  fin: { client: true, server: true },
  end: 'closed'
}

// Lines: "one\n"@0, "two\n"@4, "three\n"@8 (split between the chunks), "\x01\x02é\n"@14, "four\n"@19.
const CLIENT = new Uint8Array([...new TextEncoder().encode('one\ntwo\nthree\n'), 1, 2, ...new TextEncoder().encode('é\nfour\n')])
const LINES: Array<[number, number]> = [
  [0, 4],
  [4, 4],
  [8, 6],
  [14, 5],
  [19, 5]
]
const EVENTS: CaptureEvent[] = [
  { seq: 0, kind: 'open', time: T, mono: 0 },
  { seq: 1, kind: 'data', dir: 'client', time: T + 1, mono: 1, offset: 0, length: 11 },
  { seq: 2, kind: 'data', dir: 'client', time: T + 2, mono: 2, offset: 11, length: 13 },
  { seq: 3, kind: 'close', time: T + 40, mono: 40, info: { end: 'closed' } }
]

const message = (index: number, dir: Direction, offset: number, length: number): StreamMessage =>
  ({ index, dir, time: T, range: { dir, offset, length }, summary: `m${index}` }) as StreamMessage

function engineWith(framing: string, messages: StreamMessage[], events = EVENTS, stream = CLIENT) {
  const fake = fakeTransport({
    'conn.events': ({ from = 0, limit = 1000 }) => ({ from, total: events.length, events: events.slice(from, from + limit) }),
    'conn.read': ({ offset, length }) => stream.slice(offset, offset + length),
    'conn.locate': () => ({ index: 0 }),
    'msg.page': ({ from = 0, limit = 100, filter }): MessagePage => {
      const dir = /dir:(client|server)/.exec(filter ?? '')?.[1]
      const mine = messages.filter((m) => !dir || m.dir === dir)
      const source = framing === 'none' ? 'none' : 'chosen'
      return { connId: 7, framing, source, from, total: mine.length, of: messages.length, messages: mine.slice(from, from + limit), problems: [] }
    }
  })
  useEngineStore().attach(fake.transport)
  return fake
}

/** A chunk's text with each mark as |n| (from its accessible name), where it stands. */
function marked(w: VueWrapper, article: number): string {
  const pre = w.findAll('article')[article].find('pre').element
  let out = ''
  for (const el of Array.from(pre.children)) {
    const name = el.getAttribute('role') === 'img' ? el.getAttribute('aria-label') : null
    out += name ? `|${/\d+/.exec(name)![0]}|` : el.textContent
  }
  return out
}

describe('message starts in the conversation', () => {
  afterEach(() => {
    chunksAs.value = 'text'
  })

  it('marks each message where it starts in the text, after control names and multi-byte characters, a split one once', async () => {
    const fake = engineWith(
      'line:eol=lf',
      LINES.map(([o, l], i) => message(i, 'client', o, l))
    )
    const w = viewport.mountView(ConversationView, { props: { conn, capture: 'c1' } })
    await settle()
    expect(marked(w, 1)).toBe('|1|oneLF\n|2|twoLF\n|3|thr')
    expect(marked(w, 2)).toBe('eeLF\n|4|SOHSTXéLF\n|5|fourLF')
    const mark = w.findAll('[role="img"]')[3]
    expect(mark.attributes('aria-label')).toBe('message 4 starts')
    expect(mark.attributes('title')).toBe('message 4 starts')
    expect(fake.calls.filter((c) => c.cmd === 'msg.page').map((c) => c.args)).toEqual([{ capture: 'c1', connId: 7, from: 0, limit: 500, filter: 'dir:client' }])
  })

  it('marks the byte each message starts at in the hex rows', async () => {
    engineWith(
      'line:eol=lf',
      LINES.map(([o, l], i) => message(i, 'client', o, l))
    )
    chunksAs.value = 'hex'
    const w = viewport.mountView(ConversationView, { props: { conn, capture: 'c1' } })
    await settle()
    expect(marked(w, 1)).toMatch(/^0000 {2}\|1\|6f 6e 65 0a \|2\|74 77 6f 0a {2}\|3\|74 68 72 +one\.two\.thr$/)
    expect(marked(w, 2)).toMatch(/^0000 {2}65 65 0a \|4\|01 02 c3 a9 0a {2}\|5\|66 6f 75 72 0a +ee\.\.\.\.\.\.four\.$/)
  })

  it('says it in Chinese', async () => {
    engineWith(
      'line:eol=lf',
      LINES.map(([o, l], i) => message(i, 'client', o, l))
    )
    const w = viewport.mountView(ConversationView, { props: { conn, capture: 'c1' }, locale: 'zh-CN' })
    await settle()
    expect(w.findAll('[role="img"]')[0].attributes('aria-label')).toBe('第 1 条消息开始')
  })

  it('asks once and marks nothing when the connection has no framing', async () => {
    const fake = engineWith('none', [])
    const w = viewport.mountView(ConversationView, { props: { conn, capture: 'c1' } })
    await settle()
    expect(w.findAll('article')[1].find('pre').text()).toBe('oneLFtwoLFthr'.replace(/LF/g, 'LF\n'))
    expect(w.findAll('[role="img"]')).toHaveLength(0)
    expect(fake.calls.filter((c) => c.cmd === 'msg.page')).toHaveLength(1)
  })

  it('reads only the pages that hold the starts of the chunks on screen, of a connection of many messages', async () => {
    // 200,000 messages of 10 bytes; the chunk on screen is far in.
    const N = 200_000
    const messages = Array.from({ length: N }, (_, i) => message(i, 'client', i * 10, 10))
    const at = 1_234_565
    const stream = new Uint8Array(at + 40).fill(0x61)
    const events: CaptureEvent[] = [{ seq: 0, kind: 'data', dir: 'client', time: T, mono: 0, offset: at, length: 30 }]
    const fake = engineWith('fixed:size=10', messages, events, stream)
    const w = viewport.mountView(ConversationView, { props: { conn, capture: 'c1' } })
    await settle()
    await settle()
    expect(marked(w, 0)).toBe('aaaaa|123458|aaaaaaaaaa|123459|aaaaaaaaaa|123460|aaaaa')
    expect(fake.calls.filter((c) => c.cmd === 'msg.page').length).toBeLessThanOrEqual(12)
  })
})
