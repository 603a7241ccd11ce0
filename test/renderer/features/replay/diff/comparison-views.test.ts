// @vitest-environment jsdom
// The engine's comparison of a replayed response, as a person reads it: headers paired by
// name with what differs first (a symbol, a name for screen readers, a colour), the ones not
// counted dim and marked with why, another order a note, the same ones folded; the body's
// JSON values by path with both values and the pretty JSON's line diff; text by its hunks;
// binary as hex rows from the first difference; why a body was compared as bytes. A body's
// markup is only ever text.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import type { BodyComparison, HeaderComparison } from '../../../../../src/shared/response-comparison-types'
import BodyDifference from '../../../../../src/renderer/src/features/replay/diff/BodyDifference.vue'
import HeadersDiffTable from '../../../../../src/renderer/src/features/replay/diff/HeadersDiffTable.vue'
import { createAppI18n } from '../../../../../src/renderer/src/platform/i18n'

const mounted: VueWrapper[] = []
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})
function headers(comparison: HeaderComparison, locale: 'en' | 'zh-CN' = 'en') {
  const w = mount(HeadersDiffTable, { props: { comparison, label: 'Response headers' }, global: { plugins: [createAppI18n(locale)] }, attachTo: document.body })
  mounted.push(w)
  return w
}
function body(comparison: BodyComparison, opts: { differs?: boolean; note?: string; locale?: 'en' | 'zh-CN' } = {}) {
  const w = mount(BodyDifference, {
    props: { comparison, differs: opts.differs ?? comparison.kind !== 'same', label: 'Body', ...(opts.note ? { note: opts.note } : {}) },
    global: { plugins: [createAppI18n(opts.locale ?? 'en')] },
    attachTo: document.body
  })
  mounted.push(w)
  return w
}
const cells = (w: VueWrapper, table = 'table'): string[][] => w.get(table).findAll('tbody tr').map((tr) => tr.findAll('td').map((td) => td.text()))

/** As core/replay/header-differences.ts compares them. */
const HEADERS: HeaderComparison = {
  rows: [
    { name: 'Content-Type', recorded: ['application/json'], replayed: ['application/json'], change: 'same' },
    { name: 'Date', recorded: ['Mon, 23 Nov 2026 10:00:00 GMT'], replayed: ['Mon, 23 Nov 2026 11:00:00 GMT'], change: 'changed', ignored: 'volatile' },
    { name: 'ETag', recorded: ['"a"'], replayed: ['"b"'], change: 'changed' },
    { name: 'Vary', recorded: ['Accept', 'Origin'], replayed: ['Accept'], change: 'changed' },
    { name: 'X-Old', recorded: ['1'], replayed: [], change: 'removed' },
    { name: 'X-New', recorded: [], replayed: ['2'], change: 'added' }
  ],
  differing: 4,
  reordered: true
}

describe('HeadersDiffTable', () => {
  it('shows what differs, marked by symbol, name and colour, with the ones not counted dim and why', () => {
    const w = headers(HEADERS)
    expect(w.get('table').attributes('aria-label')).toBe('Response headers')
    expect(w.findAll('th').map((th) => th.text())).toEqual(['Change', 'Header', 'Recorded', 'Replayed'])
    expect(cells(w)).toEqual([
      ['~changed', 'Date*not counted: it changes on every answer', 'Mon, 23 Nov 2026 10:00:00 GMT', 'Mon, 23 Nov 2026 11:00:00 GMT'],
      ['~changed', 'ETag', '"a"', '"b"'],
      ['~changed', 'Vary', 'Accept, Origin', 'Accept'],
      ['−removed', 'X-Old', '1', ''],
      ['+added', 'X-New', '', '2']
    ])
    expect(w.findAll('tbody tr')[0].classes()).toContain('ignored')
    expect(w.findAll('tbody tr')[3].find('.rd-removed').exists()).toBe(true)
    expect(w.text()).toContain('* not counted: it changes on every answer')
    expect(w.text()).toContain('The headers both have came in another order (not counted).')
  })

  it('folds the same headers until asked for, in their place', async () => {
    const w = headers(HEADERS)
    const fold = w.get('button[aria-expanded]')
    expect(fold.text()).toBe('Show the same header')
    await fold.trigger('click')
    expect(fold.attributes('aria-expanded')).toBe('true')
    expect(cells(w)[0]).toEqual(['same', 'Content-Type', 'application/json', 'application/json'])
    expect(cells(w)).toHaveLength(6)
  })

  it('speaks Chinese, and says when there are no headers', () => {
    expect(headers(HEADERS, 'zh-CN').text()).toContain('两边共有的头部顺序不同')
    expect(headers({ rows: [], differing: 0, reordered: false }, 'zh-CN').text()).toBe('没有头部。')
  })
})

describe('BodyDifference', () => {
  it('names each JSON value that differs by its path, with both values, then the pretty JSON line by line', () => {
    const w = body({
      kind: 'json',
      changes: [
        { path: '$.stamp', change: 'changed', recorded: '4100001', replayed: '4100002' },
        { path: '$.items[2]', change: 'removed', recorded: '{"id":3}' }
      ],
      changeCount: 3,
      lines: { hunks: [{ recordedLine: 2, replayedLine: 2, lines: [{ change: 'same', text: '  "a": 1,' }, { change: 'removed', text: '  "stamp": 4100001' }, { change: 'added', text: '  "stamp": 4100002' }] }], cut: false, coarse: false }
    })
    const table = w.get('table[aria-label="JSON values that differ"]')
    expect(table.findAll('th').map((th) => th.text())).toEqual(['Change', 'Path', 'Recorded', 'Replayed'])
    expect(cells(w, 'table[aria-label="JSON values that differ"]')).toEqual([
      ['~changed', '$.stamp', '4100001', '4100002'],
      ['−removed', '$.items[2]', '{"id":3}', '—']
    ])
    expect(w.text()).toContain('1 more values differ.')
    const lines = w.get('[role="group"][aria-label="Pretty JSON, line by line"]')
    expect(lines.text()).toContain('recorded line 2, replayed line 2')
    expect(lines.findAll('.rd-line').map((l) => l.text())).toEqual(['"a": 1,', '−recorded only:   "stamp": 4100001', '+replayed only:   "stamp": 4100002'])
  })

  it('shows a text diff as its hunks, and a body’s markup as text', () => {
    const w = body({ kind: 'text', lines: { hunks: [{ recordedLine: 1, replayedLine: 1, lines: [{ change: 'removed', text: '<b id="x">a</b>' }, { change: 'added', text: '<img src=x onerror=alert(1)>' }] }], cut: true, coarse: true } })
    expect(w.find('img').exists()).toBe(false)
    expect(w.text()).toContain('<img src=x onerror=alert(1)>')
    expect(w.text()).toContain('Too different to align line by line')
    expect(w.text()).toContain('Only the first part is shown.')
  })

  it('shows binary bodies as hex rows from the engine’s window, naming the first difference', () => {
    const recorded = Uint8Array.from({ length: 20 }, (_, i) => 0x10 + i)
    const replayed = recorded.slice()
    replayed[1] = 0xff
    const w = body({ kind: 'binary', firstDifference: 0x41, at: 0x40, recorded, replayed })
    expect(w.text()).toContain('First difference at byte 65 (0x41).')
    const rows = w.findAll('.rd-line').map((l) => l.text())
    expect(rows[0]).toMatch(/^−recorded: 00000040 {2}10 11 12/)
    expect(rows[1]).toMatch(/^\+replayed: 00000040 {2}10 ff 12/)
    expect(rows[2]).toMatch(/^00000050 {2}20 21 22 23 {2}/)
  })

  it('says when the content is the same though the bytes are not, and why bodies were compared as bytes', () => {
    expect(body({ kind: 'same' }, { differs: false, note: 'the same content, sent differently (its coding or chunks)' }).text()).toBe('The same content, sent in other bytes (its coding or its chunks).')
    expect(body({ kind: 'same' }).text()).toBe('The bodies are identical.')
    const bytes = body({ kind: 'bytes', reason: 'a body over 4 MiB is compared as bytes, not by content' }, { differs: true, note: 'decoded 4 MiB of more than 4 MiB (gzip 2 MiB, ratio over 1000:1); showing the first 4 MiB' })
    expect(bytes.text()).toContain('Compared as bytes, not by content: a body over 4 MiB is compared as bytes, not by content.')
    expect(bytes.text()).toContain('Body cut short: decoded 4 MiB of more than 4 MiB')
    expect(body({ kind: 'json', changes: [], changeCount: 0, lines: { hunks: [], cut: false, coarse: false } }, { differs: false, locale: 'zh-CN' }).text()).toBe('JSON 值相同，只是写法不同。')
  })
})
