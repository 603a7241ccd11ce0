// @vitest-environment jsdom
// A recorded body beside its replay, as a person reads it: "identical", a line diff with
// long unchanged runs folded, or hex rows with the first difference named; text is only
// ever text (a body's markup is never markup); headers paired with their changes marked.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import BodyDiffView from '../../../src/renderer/src/components/replay/BodyDiffView.vue'
import HeadersDiffTable from '../../../src/renderer/src/components/replay/HeadersDiffTable.vue'
import { createAppI18n } from '../../../src/renderer/src/i18n'
import { diffHeaders } from '../../../src/renderer/src/replay/response-diff'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const mounted: VueWrapper[] = []
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})
function body(props: { recorded: Uint8Array; replayed: Uint8Array; recordedTotal?: number; replayedTotal?: number }, locale: 'en' | 'zh-CN' = 'en') {
  const w = mount(BodyDiffView, { props: { label: 'Body', ...props }, global: { plugins: [createAppI18n(locale)] }, attachTo: document.body })
  mounted.push(w)
  return w
}
const lines = (n: number, change?: (i: number) => string | undefined): string =>
  Array.from({ length: n }, (_, i) => change?.(i) ?? `{"id": ${i}, "ok": true}`).join('\n') + '\n'
const shownLines = (w: VueWrapper): string[] => w.findAll('.line').map((l) => l.text())

describe('BodyDiffView', () => {
  it('says identical bodies are identical, and when only the kept parts are', () => {
    expect(body({ recorded: enc('hello'), replayed: enc('hello') }).text()).toContain('Identical to the recorded body (5 bytes).')
    const cut = body({ recorded: enc('hello'), replayed: enc('hello'), recordedTotal: 900, replayedTotal: 1000 })
    expect(cut.text()).toContain('The 5 bytes kept are identical, but the whole bodies differ in length (recorded 900, replayed 1,000 bytes).')
    expect(cut.text()).toContain('recorded: 5 of 900 bytes kept')
    const both = body({ recorded: enc('hello'), replayed: enc('hello'), recordedTotal: 900, replayedTotal: 900 })
    expect(both.text()).toContain('The first 5 bytes are identical; both bodies are 900 bytes, and the rest was not kept to compare.')
  })

  it('diffs text by line, − recorded and + replayed, folding long unchanged runs', async () => {
    const w = body({ recorded: enc(lines(40)), replayed: enc(lines(40, (i) => (i === 20 ? '{"id": 20, "ok": false}' : undefined))) })
    const shown = shownLines(w)
    expect(shown).toContain('−recorded only: {"id": 20, "ok": true}')
    expect(shown).toContain('+replayed only: {"id": 20, "ok": false}')
    expect(w.find('.rd-removed.line').exists()).toBe(true)
    const folds = w.findAll('button.fold')
    expect(folds.map((f) => f.text())).toEqual(['17 unchanged lines', '16 unchanged lines'])
    expect(shown.length).toBe(3 + 2 + 3)
    await folds[0].trigger('click')
    expect(shownLines(w).length).toBe(17 + 3 + 2 + 3)
    expect(w.findAll('button.fold').length).toBe(1)
  })

  it('shows a body’s markup as text', () => {
    const w = body({ recorded: enc('<b id="x">a</b>\n'), replayed: enc('<img src=x onerror=alert(1)>\n') })
    expect(w.find('img').exists()).toBe(false)
    expect(w.text()).toContain('<img src=x onerror=alert(1)>')
  })

  it('diffs binary bodies as hex rows, names the first difference, and marks the bytes one side lacks', () => {
    const recorded = Uint8Array.from({ length: 40 }, (_, i) => i)
    const replayed = Uint8Array.from({ length: 36 }, (_, i) => (i === 17 ? 0xff : i))
    const w = body({ recorded, replayed })
    expect(w.text()).toContain('First difference at byte 17 (0x11).')
    const rows = shownLines(w)
    expect(rows[0]).toBe('00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  ................')
    expect(rows[1]).toMatch(/^−recorded: 00000010 {2}10 11 12/)
    expect(rows[2]).toMatch(/^\+replayed: 00000010 {2}10 ff 12/)
    expect(w.findAll('.differs').map((d) => d.text())).toContain('ff')
    expect(rows[4]).toMatch(/^\+replayed: 00000020 {2}20 21 22 23 ·· ·· ·· ··\s+!"#$/)
  })

  it('shows text as bytes when asked, and back', async () => {
    const w = body({ recorded: enc('GET\r\n'), replayed: enc('PUT\r\n') })
    const toggle = w.get('button[aria-pressed]')
    expect(toggle.attributes('aria-pressed')).toBe('false')
    await toggle.trigger('click')
    expect(toggle.attributes('aria-pressed')).toBe('true')
    expect(w.text()).toContain('First difference at byte 0 (0x0).')
    await toggle.trigger('click')
    expect(w.text()).not.toContain('First difference')
  })

  it('draws the first lines of two unrelated bodies and the rest on request, each run of differing bytes one mark', async () => {
    const noise = (seed: number): Uint8Array => {
      let x = seed // xorshift32: two seeds, two unrelated bodies
      return Uint8Array.from({ length: 8 * 1024 }, () => {
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        return x & 0xff
      })
    }
    const w = body({ recorded: noise(1), replayed: noise(7) })
    const first = w.findAll('.line').length
    expect(first).toBeLessThan(1000)
    // A row whose bytes all differ is one marked run, not sixteen.
    expect(w.findAll('.line')[0].findAll('.hex .differs').length).toBeLessThanOrEqual(2)
    await w.get('button.more').trigger('click')
    expect(w.findAll('.line').length).toBe(2 * 512)
    expect(w.find('button.more').exists()).toBe(false)
  })

  it('speaks Chinese', () => {
    expect(body({ recorded: enc('a'), replayed: enc('a') }, 'zh-CN').text()).toContain('与录制的正文相同（1 字节）。')
  })
})

describe('HeadersDiffTable', () => {
  it('is a table with column headers; a change has a symbol, a name for screen readers and a colour; Date is dim and not counted', () => {
    const rows = diffHeaders(
      [
        { name: 'Content-Type', value: 'text/html' },
        { name: 'Date', value: 'Mon, 23 Nov 2026 10:00:00 GMT' },
        { name: 'ETag', value: '"a"' },
        { name: 'X-Old', value: '1' }
      ],
      [
        { name: 'Content-Type', value: 'text/html' },
        { name: 'Date', value: 'Mon, 23 Nov 2026 11:00:00 GMT' },
        { name: 'ETag', value: '"b"' },
        { name: 'X-New', value: '2' }
      ]
    )
    const w = mount(HeadersDiffTable, { props: { rows, label: 'Response headers' }, global: { plugins: [createAppI18n('en')] } })
    mounted.push(w)
    expect(w.get('table').attributes('aria-label')).toBe('Response headers')
    expect(w.findAll('th').map((th) => th.text())).toEqual(['Change', 'Header', 'Recorded', 'Replayed'])
    const cells = w.findAll('tbody tr').map((tr) => tr.findAll('td').map((td) => td.text()))
    expect(cells).toEqual([
      ['same', 'Content-Type', 'text/html', 'text/html'],
      ['~changed', 'Date*differs on every answer (Date, Age, Expires): not counted as a difference', 'Mon, 23 Nov 2026 10:00:00 GMT', 'Mon, 23 Nov 2026 11:00:00 GMT'],
      ['~changed', 'ETag', '"a"', '"b"'],
      ['−removed', 'X-Old', '1', ''],
      ['+added', 'X-New', '', '2']
    ])
    expect(w.findAll('tbody tr')[1].classes()).toContain('volatile')
    expect(w.findAll('tbody tr')[3].find('.rd-removed').exists()).toBe(true)
    expect(w.text()).toContain('* differs on every answer')
  })

  it('says when there are no headers', () => {
    const w = mount(HeadersDiffTable, { props: { rows: [], label: 'Headers' }, global: { plugins: [createAppI18n('zh-CN')] } })
    mounted.push(w)
    expect(w.text()).toBe('没有头部。')
  })
})
