// @vitest-environment jsdom
// The Frames view of an HTTP/2 connection over a fake engine: every frame as Wireshark lists
// it (number, time since the connection opened, direction in words and colour, type, stream,
// length, flags, info), paged as rows come on screen; a stream typed and applied with Enter
// asks for that stream's frames only; choosing a frame shows its bytes in the byte views,
// Enter goes to the hex view; decoding problems under the list; in Chinese too. The detail
// tabs offer the view to HTTP/2 connections only.
import { describe, expect, it } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import type { CommandArgs } from '../../../../src/shared/contract'
import type { H2Frame } from '../../../../src/shared/protocol-types'
import FramesView from '../../../../src/renderer/src/features/frames/FramesView.vue'
import DetailPane from '../../../../src/renderer/src/features/detail/DetailPane.vue'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { FRAME_PAGE } from '../../../../src/renderer/src/features/frames/frames-store'
import { frameCells } from '../../../../src/renderer/src/features/frames/frame-cells'
import { fakeTransport } from '../../fake-transport'
import { settle, useViewport } from '../../viewport'

const { mountView } = useViewport({ clientHeight: 400, clientWidth: 1000 })
const T = Date.UTC(2026, 0, 1, 12, 0, 0)

const summary = (protocol: 'http2' | 'http1'): ConnectionSummary => ({
  id: 7,
  kind: 'proxy',
  ownerId: 'p1',
  client: { address: '127.0.0.1', port: 5000, family: 'IPv4' },
  target: '127.0.0.1:8080',
  openedAt: T,
  bytes: { client: 100, server: 100 },
  fin: { client: false, server: false },
  end: 'open',
  protocol: { protocol }
})

/** A connection of many frames: SETTINGS both ways, then per stream HEADERS, DATA, and a reset of stream 5. */
function connectionFrames(n: number): H2Frame[] {
  const out: H2Frame[] = []
  const at = { client: 24, server: 0 }
  const add = (dir: 'client' | 'server', type: number, typeName: string, stream: number, length: number, flags: number, info: string): void => {
    out.push({ index: out.length, dir, time: T + out.length * 2, type, typeName, flags, stream, length, range: { dir, offset: at[dir], length: 9 + length }, info })
    at[dir] += 9 + length
  }
  add('client', 4, 'SETTINGS', 0, 6, 0, 'SETTINGS_MAX_CONCURRENT_STREAMS=100')
  add('server', 4, 'SETTINGS', 0, 0, 0, '')
  add('server', 4, 'SETTINGS', 0, 0, 1, 'ACK')
  for (let s = 1; out.length < n; s += 2) {
    add('client', 1, 'HEADERS', s, 20, 5, 'END_STREAM END_HEADERS')
    if (s === 5) add('client', 3, 'RST_STREAM', s, 4, 0, 'CANCEL')
    else add('server', 0, 'DATA', s, 100, 1, 'END_STREAM')
  }
  return out.slice(0, n)
}

function engineWith(frames: H2Frame[], protocol: 'http2' | 'http1' = 'http2') {
  const t = fakeTransport({
    'conn.get': () => [summary(protocol)],
    'http.exchanges': ({ from = 0 }) => ({ protocol, from, total: 0, exchanges: [], problems: [] }),
    'h2.frames': ({ from = 0, limit = 100, stream }: CommandArgs<'h2.frames'>) => {
      const shown = frames.filter((f) => stream === undefined || f.stream === stream)
      return {
        from,
        total: shown.length,
        frames: shown.slice(from, from + limit),
        problems: [{ dir: 'server', offset: 4242, message: 'frame of 20000000 bytes is over SETTINGS_MAX_FRAME_SIZE' }]
      }
    }
  })
  useEngineStore().attach(t.transport)
  return t
}

async function mountFrames(frames: H2Frame[], locale: 'en' | 'zh-CN' = 'en', protocol: 'http2' | 'http1' = 'http2') {
  const t = engineWith(frames, protocol)
  const selection = useSelectionStore()
  selection.select(7)
  await settle()
  const w = mountView(FramesView, { props: { conn: selection.conn, capture: 'live' }, locale })
  await settle()
  return { w, t, selection }
}

const text = (w: { text(): string }): string => w.text().replace(/\s+/g, ' ').trim()
const rows = (w: VueWrapper) => w.findAll('[role=rowgroup] [role=row]')
const cells = (w: VueWrapper, n: number): string[] => rows(w)[n].findAll('[role=gridcell]').map((c) => text(c))
const frameCalls = (t: ReturnType<typeof engineWith>) => t.calls.filter((c) => c.cmd === 'h2.frames').map((c) => c.args as CommandArgs<'h2.frames'>)

describe('the Frames view', () => {
  it('lists every frame as Wireshark does, asking only for the pages on screen', async () => {
    const { w, t } = await mountFrames(connectionFrames(5000))
    expect(w.get('[role=grid]').attributes('aria-label')).toBe('HTTP/2 frames')
    expect(w.findAll('[role=columnheader]').map((h) => text(h))).toEqual(['#', 'time', 'dir', 'type', 'stream', 'length', 'flags', 'info'])
    // The arrow is seen (hidden from what reads aloud), the words are read.
    expect(cells(w, 0)).toEqual(['1', '+0', '→client → server', 'SETTINGS', '0', '6', '', 'SETTINGS_MAX_CONCURRENT_STREAMS=100'])
    expect(cells(w, 2)).toEqual(['3', '+4 ms', '←server → client', 'SETTINGS', '0', '0', '0x01', 'ACK'])
    expect(cells(w, 3)).toEqual(['4', '+6 ms', '→client → server', 'HEADERS', '1', '20', '0x05', 'END_STREAM END_HEADERS'])
    // The direction's colour and arrow, the words for what reads it.
    const arrow = rows(w)[4].get('.arrow')
    expect(arrow.classes()).toContain('dir-server')
    expect(arrow.get('[aria-hidden=true]').text()).toBe('←')
    // A reset in the warning colour, never a direction's.
    const reset = rows(w).findIndex((r) => r.text().includes('RST_STREAM'))
    expect(rows(w)[reset].get('.warn').text()).toBe('RST_STREAM')
    expect(text(w.get('[role=status]'))).toBe('5,000 frames')
    const asked = frameCalls(t)
    expect(asked.length).toBeGreaterThan(0)
    expect(asked.every((a) => a.from! < FRAME_PAGE * 2 && a.stream === undefined && a.connId === 7)).toBe(true)
    // Decoding problems under the list, as the HTTP view lists them.
    expect(w.get('[aria-label="Decoding problems"]').text()).toContain('server → client offset 4242: frame of 20000000 bytes is over SETTINGS_MAX_FRAME_SIZE')
  })

  it('shows one stream\'s frames once Enter applies it, and all again when cleared', async () => {
    const { w, t } = await mountFrames(connectionFrames(40))
    const field = w.get('input[inputmode=numeric]')
    expect(field.element.closest('label')?.textContent).toContain('Stream')
    const before = frameCalls(t).length
    await field.setValue('5')
    await settle()
    // Typing alone asks nothing: "13" must not ask for stream 1 first.
    expect(frameCalls(t)).toHaveLength(before)
    await field.trigger('keydown', { key: 'Enter' })
    await settle()
    expect(frameCalls(t).at(-1)).toMatchObject({ stream: 5, from: 0 })
    expect(rows(w).map((r) => r.findAll('[role=gridcell]')[3].text())).toEqual(['HEADERS', 'RST_STREAM'])
    expect(text(w.get('[role=status]'))).toBe('2 frames on stream 5')
    await field.setValue('stream five')
    await field.trigger('keydown', { key: 'Enter' })
    await settle()
    expect(w.get('[role=alert]').text()).toBe('A stream is a number, from 0 (the connection itself) to 2147483647.')
    expect(field.attributes('aria-invalid')).toBe('true')
    expect(frameCalls(t).at(-1)).toMatchObject({ stream: 5 })
    await w.findAll('button').find((b) => b.text() === 'Show all streams')!.trigger('click')
    await settle()
    expect(frameCalls(t).at(-1)?.stream).toBeUndefined()
    expect(text(w.get('[role=status]'))).toBe('40 frames')
    await field.setValue('99')
    await field.trigger('keydown', { key: 'Enter' })
    await settle()
    expect(text(w.get('[role=rowgroup]'))).toBe('No frame on stream 99.')
  })

  it('shows a chosen frame\'s bytes in every byte view, and Enter goes to the hex view', async () => {
    const frames = connectionFrames(40)
    const { w, selection } = await mountFrames(frames)
    await rows(w)[3].trigger('click')
    expect(selection.range).toEqual(frames[3].range)
    expect(selection.dir).toBe('client')
    expect(rows(w)[3].attributes('aria-selected')).toBe('true')
    const grid = w.get('[role=grid]')
    await grid.trigger('keydown', { key: 'ArrowDown' })
    await settle()
    expect(selection.range).toEqual(frames[4].range)
    expect(selection.dir).toBe('server')
    await grid.trigger('keydown', { key: 'Enter' })
    expect(selection.tab).toBe('hex')
  })

  it('warns of a reset or a GOAWAY for an error, not of a graceful GOAWAY', () => {
    const f = connectionFrames(1)[0]
    expect(frameCells({ ...f, type: 7, typeName: 'GOAWAY', info: 'last stream 7 NO_ERROR' }, T).tone).toBe('')
    expect(frameCells({ ...f, type: 7, typeName: 'GOAWAY', info: 'last stream 7 PROTOCOL_ERROR' }, T).tone).toBe('warn')
    expect(frameCells({ ...f, type: 3, typeName: 'RST_STREAM', info: 'CANCEL' }, T).tone).toBe('warn')
    expect(frameCells(f, T).tone).toBe('')
  })

  it('speaks Chinese', async () => {
    const { w } = await mountFrames(connectionFrames(10), 'zh-CN')
    expect(w.get('[role=grid]').attributes('aria-label')).toBe('HTTP/2 帧')
    expect(w.findAll('[role=columnheader]').map((h) => text(h))).toEqual(['#', '时间', '方向', '类型', '流', '长度', '标志', '信息'])
    expect(cells(w, 0)[2]).toBe('→客户端 → 服务器')
    expect(text(w.get('[role=status]'))).toBe('10 帧')
    expect(w.get('input[inputmode=numeric]').attributes('placeholder')).toBe('全部流')
  })

  it('asks nothing of a connection known to carry something else', async () => {
    const { w, t } = await mountFrames([], 'en', 'http1')
    expect(w.text()).toContain('This connection carries no HTTP/2 (HTTP/1.x).')
    expect(frameCalls(t)).toHaveLength(0)
  })
})

describe('the detail tabs', () => {
  it.each(['http2', 'http1'] as const)('offer H2 frames to HTTP/2 connections only, with the HTTP tab (%s)', async (protocol) => {
    engineWith([], protocol)
    const selection = useSelectionStore()
    selection.select(7)
    await settle()
    const w = mountView(DetailPane)
    await settle()
    const tab = (name: string) => w.findAll('[role=tab]').find((b) => b.text() === name)!
    expect(tab('H2 frames').attributes('aria-disabled')).toBe(protocol === 'http2' ? undefined : 'true')
    expect(tab('HTTP').attributes('aria-disabled')).toBeUndefined()
    // An HTTP/2 connection opens in its HTTP tab, as an HTTP/1 one does.
    expect(selection.tab).toBe('http')
  })
})
