// @vitest-environment jsdom
// The three pictures as components over a fake engine: the conversation names each event,
// unfolds a chunk by reading more of it and points the selection at a clicked chunk; the
// flow names its arrows and a click moves the selection; the timeline lists the list's
// rows as options, a click selects one, and the keys zoom and fit.
import type { VueWrapper } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import type { CaptureEvent, ConnectionSummary, Turn } from '../../../../src/shared/capture-types'
import ConversationView from '../../../../src/renderer/src/features/conversation/ConversationView.vue'
import FlowView from '../../../../src/renderer/src/features/conversation/FlowView.vue'
import TimelineView from '../../../../src/renderer/src/features/connections/timeline/TimelineView.vue'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { fakeTransport, type Handlers } from '../../fake-transport'
import { settle, useViewport } from '../../viewport'

const viewport = useViewport({ clientHeight: 400, clientWidth: 800 })

const T = Date.UTC(2026, 0, 1, 12, 0, 0)
const conn: ConnectionSummary = {
  id: 7,
  kind: 'proxy',
  ownerId: 'p1',
  client: { address: '127.0.0.1', port: 5000, family: 'IPv4' },
  target: '127.0.0.1:6379',
  openedAt: T,
  closedAt: T + 40,
  bytes: { client: 15, server: 5000 },
  fin: { client: true, server: true },
  end: 'closed'
}
const REPLY = Array.from({ length: 500 }, (_, i) => `row ${String(i).padStart(3, '0')}\n`).join('')
const STREAMS = { client: new TextEncoder().encode('PING\r\n<b>hi</b>'), server: new TextEncoder().encode(REPLY) }
const EVENTS: CaptureEvent[] = [
  { seq: 0, kind: 'open', time: T, mono: 0 },
  { seq: 1, kind: 'data', dir: 'client', time: T + 1, mono: 1, offset: 0, length: 6 },
  { seq: 2, kind: 'data', dir: 'client', time: T + 2, mono: 2, offset: 6, length: 9 },
  { seq: 3, kind: 'data', dir: 'server', time: T + 3, mono: 3.5, offset: 0, length: 5000 },
  { seq: 4, kind: 'fin', dir: 'client', time: T + 30, mono: 30 },
  { seq: 5, kind: 'reset', dir: 'server', time: T + 31, mono: 31 },
  { seq: 6, kind: 'close', time: T + 40, mono: 40, info: { end: 'server-reset' } }
]

function engineWith(handlers: Handlers) {
  const t = fakeTransport({
    'conn.read': ({ dir, offset, length }) => STREAMS[dir].slice(offset, offset + length),
    ...handlers
  })
  useEngineStore().attach(t.transport)
  return t
}

const mountView = (component: unknown, props: Record<string, unknown> = {}): VueWrapper => viewport.mountView(component, { props })

const names = (w: VueWrapper, selector: string): string[] => w.findAll(selector).map((e) => e.attributes('aria-label') ?? '')

describe('conversation view', () => {
  const handlers: Handlers = {
    'conn.events': ({ from = 0, limit = 1000 }) => ({ from, total: EVENTS.length, events: EVENTS.slice(from, from + limit) }),
    'conn.locate': () => ({ index: 3 })
  }

  it('names every event where it happened, and shows chunks as text, markup and all', async () => {
    engineWith(handlers)
    const w = mountView(ConversationView, { conn, capture: 'live' })
    await settle()
    expect(names(w, 'article')).toEqual([
      expect.stringMatching(/^opened at \d\d:\d\d:00\.000$/),
      expect.stringMatching(/^client → server 6 B at /),
      expect.stringMatching(/^client → server 9 B at /),
      expect.stringMatching(/^server → client 4\.88 KiB at /),
      expect.stringMatching(/^client sent FIN at /),
      expect.stringMatching(/^server reset the connection \(RST\) at /),
      expect.stringMatching(/^closed: reset by the server at /)
    ])
    const articles = w.findAll('article')
    expect(articles[1].find('pre').text()).toBe('PINGCRLF')
    expect(articles[2].find('pre').text()).toBe('<b>hi</b>')
    expect(articles[2].find('b').exists()).toBe(false)
  })

  it('shows times since the previous event when asked', async () => {
    engineWith(handlers)
    const w = mountView(ConversationView, { conn, capture: 'live' })
    await settle()
    await w.find('[role=radio]:not([aria-checked=true])').trigger('click')
    expect(names(w, 'article').slice(2, 4)).toEqual(['client → server 9 B at +1.00 ms', 'server → client 4.88 KiB at +1.50 ms'])
  })

  it('unfolds a long chunk by reading more of it, and folds it back', async () => {
    const t = engineWith(handlers)
    const w = mountView(ConversationView, { conn, capture: 'live' })
    await settle()
    const reply = () => w.findAll('article')[3]
    expect(reply().find('pre').text()).toContain('row 007')
    expect(reply().find('pre').text()).not.toContain('row 008')
    await reply().find('button').trigger('click')
    await settle()
    expect(t.calls.filter((c) => c.cmd === 'conn.read').map((c) => (c.args as { length: number }).length)).toContain(5000)
    expect(reply().find('pre').text()).toContain('row 499')
    const less = reply().findAll('button').find((b) => b.text() === 'Show less')!
    await less.trigger('click')
    expect(reply().find('pre').text()).not.toContain('row 008')
  })

  it('points every view at a clicked chunk, and moves between rows with the keys', async () => {
    engineWith(handlers)
    const w = mountView(ConversationView, { conn, capture: 'live' })
    await settle()
    await w.findAll('article')[2].trigger('click')
    expect(useSelectionStore().range).toEqual({ dir: 'client', offset: 6, length: 9 })
    await w.find('[role=feed]').trigger('keydown', { key: 'ArrowDown' })
    await settle()
    expect(w.findAll('article')[3].attributes('tabindex')).toBe('0')
    await w.findAll('article')[3].trigger('keydown', { key: 'Enter' })
    await settle()
    expect(useSelectionStore().range).toEqual({ dir: 'server', offset: 0, length: 5000 })
    expect(w.findAll('article')[3].find('pre').text()).toContain('row 499')
  })

  it('brings the chunk holding a range another view chose on screen, and marks it', async () => {
    const t = engineWith(handlers)
    useSelectionStore().showRange({ dir: 'server', offset: 100, length: 4 })
    const w = mountView(ConversationView, { conn, capture: 'live' })
    await settle()
    expect(t.calls.filter((c) => c.cmd === 'conn.locate').map((c) => c.args)).toEqual([{ capture: 'live', connId: 7, dir: 'server', offset: 100 }])
    const reply = w.findAll('article')[3]
    expect(reply.attributes('tabindex')).toBe('0')
    expect(reply.classes()).toContain('current')
    expect(w.findAll('article.current')).toHaveLength(1)
  })

  it('follows a live connection as it grows', async () => {
    let total = 4
    const t = engineWith({ ...handlers, 'conn.events': ({ from = 0, limit = 1000 }) => ({ from, total, events: EVENTS.slice(from, Math.min(total, from + limit)) }) })
    const w = mountView(ConversationView, { conn, capture: 'live' })
    await settle()
    expect(w.findAll('article')).toHaveLength(4)
    total = 7
    t.emit({ type: 'batch', events: [{ connId: 7, event: EVENTS[6] }], conns: [conn] })
    // The batch is applied at the next frame; the view then reads the new events.
    await vi.waitFor(() => expect(w.findAll('article')).toHaveLength(7), { timeout: 5000 })
  })

  it("offers what a rule delivered on a proxy's connection, and not on a server session's, whose answer is its own stream", async () => {
    const answer = 'HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n'
    const info = { rule: 'r1', label: 'mock', action: 'respond', message: 'answered GET /m with 201', offset: 0, size: 6, deliveredSize: answer.length, delivered: btoa(answer) }
    const events: CaptureEvent[] = [EVENTS[0], EVENTS[1], { seq: 2, kind: 'rule', dir: 'client', time: T + 2, mono: 2, info }]
    const linkCount = async (kind: ConnectionSummary['kind']): Promise<number> => {
      engineWith({ 'conn.events': ({ from = 0, limit = 1000 }) => ({ from, total: events.length, events: events.slice(from, from + limit) }) })
      const w = mountView(ConversationView, { conn: { ...conn, kind }, capture: 'live' })
      await settle()
      expect(w.findAll('article')[2].text()).toContain('answered GET /m with 201')
      const n = w.findAll('button').filter((b) => b.text() === 'Show what was delivered').length
      w.unmount()
      return n
    }
    expect(await linkCount('proxy')).toBe(1)
    expect(await linkCount('server')).toBe(0)
  })
})

describe('flow view', () => {
  const TURNS: Turn[] = [
    { kind: 'data', dir: 'client', event: 1, time: T + 1, at: 1, offset: 0, length: 14, chunks: 2, duration: 1 },
    { kind: 'data', dir: 'server', event: 3, time: T + 3, at: 3.5, gap: 1.5, offset: 0, length: 5000, chunks: 1, duration: 0 },
    { kind: 'fin', dir: 'client', event: 4, time: T + 30, at: 30, gap: 26.5 },
    { kind: 'reset', dir: 'server', event: 5, time: T + 31, at: 31, gap: 1 },
    { kind: 'close', event: 6, time: T + 40, at: 40, gap: 9, info: { end: 'server-reset' } }
  ]

  it('names each arrow by direction, size and time, and each mark by who did it', async () => {
    engineWith({ 'conn.turns': ({ from = 0, limit = 500 }) => ({ from, total: TURNS.length, turns: TURNS.slice(from, from + limit) }) })
    const w = mountView(FlowView, { conn, capture: 'live' })
    await settle()
    expect(names(w, '[role=listitem] button')).toEqual([
      'client → server 14 B at +1.00 ms',
      'server → client 4.88 KiB at +3.50 ms',
      'client FIN at +30.0 ms',
      'server RST at +31.0 ms',
      'closed at +40.0 ms: reset by the server'
    ])
    expect(w.findAll('[role=listitem] text').map((e) => e.text().replace('Δ', ' Δ'))).toEqual(['14 B · 2 chunks', '4.88 KiB Δ 1.50 ms', 'FIN Δ 26.5 ms', 'RST Δ 1.00 ms', 'closed: reset by the server Δ 9.00 ms'])
  })

  it('points every view at a clicked turn, and says which range is selected', async () => {
    engineWith({ 'conn.turns': ({ from = 0 }) => ({ from, total: TURNS.length, turns: TURNS }) })
    const w = mountView(FlowView, { conn, capture: 'live' })
    await settle()
    await w.findAll('[role=listitem] button')[1].trigger('click')
    expect(useSelectionStore().range).toEqual({ dir: 'server', offset: 0, length: 5000 })
    expect(w.find('[role=status]').text()).toBe('server → client 0–5000 (4.88 KiB)')
    expect(w.findAll('[role=listitem]')[1].classes()).toContain('current')
    await w.findAll('[role=listitem] button')[2].trigger('click')
    expect(useSelectionStore().range).toEqual({ dir: 'server', offset: 0, length: 5000 })
  })
})

describe('timeline view', () => {
  const rows: ConnectionSummary[] = [conn, { ...conn, id: 8, openedAt: T + 50, closedAt: undefined, end: 'open' }, { ...conn, id: 9, openedAt: T + 60, closedAt: T + 61, end: 'connect-failed' }]
  const handlers: Handlers = {
    'conn.page': ({ offset, limit, sort, descending }) => {
      const sorted = sort === 'start' && descending ? [...rows].reverse() : rows
      return { total: rows.length, offset, rows: sorted.slice(offset, offset + limit) }
    },
    'conn.activity': ({ ids, from, to, buckets }) => ({ from, to, buckets, conns: ids.map((id) => ({ id, client: Array(buckets).fill(id === 7 ? 3 : 0), server: Array(buckets).fill(0), exact: true })) })
  }

  /** The timeline over the fake engine, once the engine's first snapshot has come. */
  async function timeline(): Promise<{ w: VueWrapper; t: ReturnType<typeof engineWith> }> {
    const t = engineWith(handlers)
    const w = mountView(TimelineView)
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [{ id: 'live', name: 'c.tcap', path: '/tmp/c.tcap', size: 100, connections: 3, live: true }] })
    await settle()
    return { w, t }
  }

  it('draws a bar per connection of the list, named by what it did, and a click selects it', async () => {
    const { w } = await timeline()
    expect(names(w, '[role=option]')).toEqual([
      '#7 127.0.0.1:5000 → 127.0.0.1:6379, closed, 40 ms, 15 B sent, 4.88 KiB received',
      '#8 127.0.0.1:5000 → 127.0.0.1:6379, open, still open, 15 B sent, 4.88 KiB received',
      '#9 127.0.0.1:5000 → 127.0.0.1:6379, connect failed, 1 ms, 15 B sent, 4.88 KiB received'
    ])
    expect(w.findAll('rect.bar-rect').map((r) => r.classes()[1])).toEqual(['closed', 'open', 'failed'])
    await w.findAll('[role=option]')[2].trigger('click')
    expect(useSelectionStore().connId).toBe(9)
    expect(w.findAll('[role=option]')[2].attributes('aria-selected')).toBe('true')
    expect(w.find('[role=listbox]').attributes('aria-activedescendant')).toBe('tl-9')
  })

  it('fills the bars with activity for the stretch on screen', async () => {
    const { w, t } = await timeline()
    // Activity is asked for once the view has been still for a moment; the bars fill when it comes.
    await vi.waitFor(() => expect(w.findAll('path.act.client')[0]?.attributes('d')).toMatch(/^M/), { timeout: 5000 })
    const asked = t.calls.filter((c) => c.cmd === 'conn.activity').at(-1)!.args as { ids: number[]; from: number; to: number }
    expect(asked.ids).toEqual([7, 8, 9])
    expect(asked.from).toBeLessThanOrEqual(T)
    expect(w.findAll('path.act.client')[0].attributes('d')).toMatch(/^M/)
    expect(w.findAll('path.act.client')[1].attributes('d')).toBe('')
  })

  it('zooms with the keys and the buttons, and Fit all comes back', async () => {
    const { w } = await timeline()
    const fit = w.findAll('button').find((b) => b.text() === 'Fit all')!
    const span = () => w.find('.span').text()
    const whole = span()
    expect(fit.attributes('aria-pressed')).toBe('true')
    await w.find('[role=listbox]').trigger('keydown', { key: '+' })
    expect(fit.attributes('aria-pressed')).toBe('false')
    expect(span()).not.toBe(whole)
    await w.find('[role=listbox]').trigger('keydown', { key: 'ArrowLeft' })
    await w.find('[aria-label="Zoom out"]').trigger('click')
    await w.find('[role=listbox]').trigger('keydown', { key: '0' })
    expect(fit.attributes('aria-pressed')).toBe('true')
    expect(span()).toBe(whole)
    await w.find('[role=listbox]').trigger('keydown', { key: 'ArrowDown' })
    await settle()
    expect(useSelectionStore().connId).toBe(7)
  })
  it('pans by dragging without selecting, and zooms with Ctrl and the wheel', async () => {
    const { w } = await timeline()
    const fit = w.findAll('button').find((b) => b.text() === 'Fit all')!
    const span = () => w.find('.span').text()
    const whole = span()
    const box = w.find('[role=listbox]')
    await box.trigger('pointerdown', { button: 0, clientX: 600 })
    await box.trigger('pointermove', { buttons: 1, clientX: 500 })
    await box.trigger('pointerup')
    await w.findAll('[role=option]')[1].trigger('click')
    expect(useSelectionStore().connId).toBeUndefined()
    expect(fit.attributes('aria-pressed')).toBe('false')
    expect(span()).toBe(whole)
    await box.trigger('wheel', { ctrlKey: true, deltaY: -300, clientX: 600 })
    expect(span()).not.toBe(whole)
    // The drag is over once its own click has gone by; a click then selects.
    await vi.waitFor(async () => {
      await w.findAll('[role=option]')[1].trigger('click')
      expect(useSelectionStore().connId).toBe(8)
    }, { timeout: 5000 })
  })
})
