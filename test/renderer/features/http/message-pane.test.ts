// @vitest-environment jsdom
// The HTTP viewers show what they are given, with no store (no Pinia here at all): a message
// held in memory (a replay's response) shows its status line and headers as plain text, and
// its body by its type (JSON pretty-printed once read, in slices); a body the engine cut
// short says so in one line above it and offers the bytes as sent instead (and "text" that
// is no text, zeros sent as JSON, shows as hex rows); text and hex are
// drawn by pages (no character split between two), and more is drawn when asked.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import MessagePane from '../../../../src/renderer/src/features/http/MessagePane.vue'
import PagedRuns from '../../../../src/renderer/src/features/http/viewers/PagedRuns.vue'
import { heldBody, type HeldContent } from '../../../../src/renderer/src/features/http/held-body'
import type { ShownMessage } from '../../../../src/renderer/src/features/http/shown-message'
import { HEX_PAGE_BYTES, PAGE_BYTES, textPageEnd } from '../../../../src/renderer/src/features/http/viewers/run-pages'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { settle } from './http-fixtures'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const mounted: VueWrapper[] = []
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})

const message = (contentType: string, size: number, extra: ShownMessage['headers'] = []): ShownMessage => ({
  startLine: 'HTTP/1.1 200 OK',
  headers: [{ name: 'Content-Type', value: contentType }, { name: 'Content-Encoding', value: 'gzip' }, ...extra],
  body: { framing: 'length', size, complete: true }
})

async function pane(m: ShownMessage, sent: HeldContent, decoded?: HeldContent, locale: 'en' | 'zh-CN' = 'en') {
  const w = mount(MessagePane, {
    props: { title: 'Replayed', message: m, missing: 'none', body: heldBody(sent, decoded), headersLabel: 'Replayed response headers', dir: 'server' },
    global: { plugins: [createAppI18n(locale)] },
    attachTo: document.body
  })
  mounted.push(w)
  await settle()
  return w
}

const JSON_TEXT = '{"stamp":4100002,"items":[1,2]}'

describe('MessagePane given a message', () => {
  it('shows its status line and headers as text, and its decoded JSON pretty-printed', async () => {
    const w = await pane(message('application/json', 40), { bytes: new Uint8Array(40).fill(0x1f), size: 40, decoded: [] }, { bytes: enc(JSON_TEXT), size: JSON_TEXT.length, decoded: ['gzip'] })
    expect(w.get('section').attributes('aria-label')).toBe('Replayed')
    expect(w.find('button.start').exists()).toBe(false)
    expect(w.get('p.start').text()).toBe('HTTP/1.1 200 OK')
    const headers = w.get('table[aria-label="Replayed response headers"]')
    expect(headers.findAll('tbody tr').map((r) => r.findAll('td').map((d) => d.text()))).toEqual([
      ['Content-Type', 'application/json'],
      ['Content-Encoding', 'gzip']
    ])
    expect(headers.findAll('[tabindex]')).toHaveLength(0)
    expect(w.findAll('[role="treeitem"]').map((l) => l.text())).toEqual(['▾{', '"stamp": 4100002,', '▾"items": [', '1,', '2', ']', '}'])
    expect(w.text()).toContain('gzip decoded: 31 B')
  })

  it('says in one line above the body that it was cut short, in the engine’s words, and offers the bytes as sent', async () => {
    const note = 'stopped decoding at 1.02 MiB: it expands over 1000:1 (gzip 2.03 MiB), past the 100:1 allowed; showing the first 1.02 MiB'
    const sent = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)
    const w = await pane(message('application/json', 300), { bytes: sent, size: 300, decoded: [] }, { bytes: new Uint8Array(2048), decoded: ['gzip'], note })
    const line = w.get('[role="status"]')
    expect(line.get('span').text()).toBe(`Body cut short: ${note}`)
    expect(line.get('button').text()).toBe('Raw bytes')
    // Above the body: the content comes after it.
    expect(line.element.compareDocumentPosition(w.get('pre').element) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy()
    // Cut: not pretty-printed; and zeros are no text, so they show as hex rows.
    expect(w.find('[role="tree"]').exists()).toBe(false)
    expect(w.get('pre').text().split('\n')[0]).toBe('0000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  ................')
    const raw = line.get('button')
    expect(raw.attributes('aria-pressed')).toBe('false')
    await raw.trigger('click')
    await settle()
    expect(raw.attributes('aria-pressed')).toBe('true')
    expect(w.get('pre').text().split('\n')[0]).toBe('0000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  ................')
  })

  it('says a cut in Chinese from its facts', async () => {
    const cut = { reason: 'ratio' as const, kept: 1_070_000, decoded: 1_070_000, limit: 64 * 1024 * 1024, consumed: 1000, sentSize: 2_130_000, codings: ['gzip'] }
    const handle = heldBody({ bytes: new Uint8Array(10), size: 10, decoded: [] })
    const state = { ...handle.state(true)!, cut, note: 'stopped decoding…' }
    const w = mount(MessagePane, {
      props: { title: '重放', message: message('application/json', 10), missing: '无', body: { state: () => state, load: () => Promise.resolve() }, headersLabel: '头部' },
      global: { plugins: [createAppI18n('zh-CN')] }
    })
    mounted.push(w)
    await settle()
    const line = w.get('[role="status"]')
    expect(line.get('span').text()).toBe('正文已截断：解码到 1.02 MiB 时停止，膨胀比超过允许的 100:1（gzip 2.03 MiB）；仅显示前 1.02 MiB')
    expect(line.get('button').text()).toBe('原始字节')
  })

  it('draws a long text body a piece at a time, and more when asked', async () => {
    const text = Array.from({ length: 3000 }, (_, i) => `line ${String(i).padStart(5, '0')} ${'-'.repeat(40)}`).join('\n')
    const w = await pane(message('text/plain', text.length), { bytes: enc(text), size: text.length, decoded: [] })
    expect(w.text()).toMatch(/64(\.0)? KiB of 152 KiB shown\./)
    expect(w.text()).not.toContain('line 02999')
    await w.findAll('button').find((b) => b.text() === 'Load more')!.trigger('click')
    await settle()
    expect(w.text()).toContain('line 02999')
    expect(w.findAll('button').filter((b) => b.text() === 'Load more')).toHaveLength(0)
  })
})

describe('PagedRuns', () => {
  function runs(bytes: Uint8Array, look: 'text' | 'hex' = 'text') {
    const w = mount(PagedRuns, { props: { bytes, look } })
    mounted.push(w)
    return w
  }

  it('draws a large body as pages that read as the whole, never splitting a character', async () => {
    // "é" is two bytes: one of them falls on the page's edge.
    const text = 'a'.repeat(PAGE_BYTES - 1) + 'é'.repeat(PAGE_BYTES)
    const w = runs(enc(text))
    await settle()
    const pages = w.findAll('pre')
    expect(pages.length).toBeGreaterThan(2)
    expect(pages.map((p) => p.text()).join('')).toBe(text)
  })

  it('goes on from its last page when the same body grows, keeping the pages drawn', async () => {
    const line = (i: number): string => `${i}`.padStart(63, '.') + '\n'
    const all = enc(Array.from({ length: 2048 }, (_, i) => line(i)).join(''))
    const w = runs(all.subarray(0, 2 * PAGE_BYTES))
    await settle()
    const first = w.get('pre').element
    await w.setProps({ bytes: all.slice() })
    await settle()
    expect(w.get('pre').element).toBe(first)
    // Line feeds are named (LF) and still break the line; pages end after one.
    const lines = Array.from({ length: 2048 }, (_, i) => line(i).replace('\n', 'LF'))
    expect(w.findAll('pre').map((p) => p.text()).join('\n')).toBe(lines.join('\n'))
  })

  it('shows hex rows with offsets that run on across pages', async () => {
    const w = runs(new Uint8Array(HEX_PAGE_BYTES + 32), 'hex')
    await settle()
    const pages = w.findAll('pre')
    expect(pages).toHaveLength(2)
    expect(pages[1].text().split('\n')[0]).toMatch(new RegExp(`^${HEX_PAGE_BYTES.toString(16).padStart(4, '0')} {2}00 00`))
  })

  it('ends a text page after a line feed near its end', () => {
    const bytes = enc('x'.repeat(PAGE_BYTES - 100) + '\n' + 'y'.repeat(500))
    expect(textPageEnd(bytes, 0, 'utf-8')).toBe(PAGE_BYTES - 99)
  })
})
