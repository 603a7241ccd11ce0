// @vitest-environment jsdom
// A replayed gzip JSON response beside the recorded one, as the engine compared them: the
// verdict, the status lines, the headers that differ, the JSON value that changed by its
// path with both values, and both responses shown whole by the HTTP tab's own panes, their
// JSON decoded and pretty-printed. No comparison of its own: what differs is the engine's.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { HttpReplayResponse, HttpReplayResult } from '../../../../../src/shared/replay-types'
import ResponseComparison from '../../../../../src/renderer/src/features/replay/http/ResponseComparison.vue'
import { createAppI18n } from '../../../../../src/renderer/src/platform/i18n'
import { settle } from '../../http/http-fixtures'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const mounted: VueWrapper[] = []
beforeEach(() => setActivePinia(createPinia()))
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})

const response = (stamp: number, date: string): HttpReplayResponse => {
  const json = `{"stamp":${stamp},"ok":true}`
  return {
    version: 'HTTP/1.1',
    status: 200,
    reason: 'OK',
    headers: [
      { name: 'Content-Type', value: 'application/json' },
      { name: 'Content-Encoding', value: 'gzip' },
      { name: 'Date', value: date },
      { name: 'Content-Length', value: '40' }
    ],
    bodySize: 40,
    body: new Uint8Array(40).fill(0x1f),
    complete: true,
    content: { form: 'json', charset: 'utf-8', codings: ['gzip'], bytes: enc(json), size: json.length }
  }
}

const RESULT: HttpReplayResult = {
  target: '127.0.0.1:8080',
  source: { connId: 1, exchange: 0 },
  connId: 2,
  sent: 80,
  fixed: [],
  matched: false,
  differences: ['body $.stamp: 4100001 → 4100002'],
  recorded: response(4100001, 'Mon, 23 Nov 2026 10:00:00 GMT'),
  response: response(4100002, 'Mon, 23 Nov 2026 10:00:05 GMT'),
  comparison: {
    headers: {
      rows: [
        { name: 'Content-Type', recorded: ['application/json'], replayed: ['application/json'], change: 'same' },
        { name: 'Content-Encoding', recorded: ['gzip'], replayed: ['gzip'], change: 'same' },
        { name: 'Date', recorded: ['Mon, 23 Nov 2026 10:00:00 GMT'], replayed: ['Mon, 23 Nov 2026 10:00:05 GMT'], change: 'changed', ignored: 'volatile' },
        { name: 'Content-Length', recorded: ['40'], replayed: ['40'], change: 'same', ignored: 'framing' }
      ],
      differing: 0,
      reordered: false
    },
    body: {
      kind: 'json',
      changes: [{ path: '$.stamp', change: 'changed', recorded: '4100001', replayed: '4100002' }],
      changeCount: 1,
      lines: { hunks: [{ recordedLine: 1, replayedLine: 1, lines: [{ change: 'same', text: '{' }, { change: 'removed', text: '  "stamp": 4100001,' }, { change: 'added', text: '  "stamp": 4100002,' }, { change: 'same', text: '  "ok": true' }] }], cut: false, coarse: false },
      differs: true,
      recordedSize: 40,
      replayedSize: 40
    }
  }
}

async function comparison(locale: 'en' | 'zh-CN' = 'en') {
  const w = mount(ResponseComparison, { props: { result: RESULT }, global: { plugins: [createAppI18n(locale)] }, attachTo: document.body })
  mounted.push(w)
  await settle()
  return w
}
const rowsOf = (w: VueWrapper, label: string): string[][] => w.get(`table[aria-label="${label}"]`).findAll('tbody tr').map((tr) => tr.findAll('td').map((td) => td.text()))

describe('ResponseComparison', () => {
  it('shows the engine’s verdict and differences: the headers that differ and the JSON value by its path', async () => {
    const w = await comparison()
    expect(w.get('[role="status"]').text()).toBe('Differs: body $.stamp: 4100001 → 4100002')
    expect(rowsOf(w, 'Response headers, recorded and replayed')).toEqual([['~changed', 'Date*not counted: it changes on every answer', 'Mon, 23 Nov 2026 10:00:00 GMT', 'Mon, 23 Nov 2026 10:00:05 GMT']])
    expect(w.text()).toContain('Show the 3 same headers')
    expect(rowsOf(w, 'JSON values that differ')).toEqual([['~changed', '$.stamp', '4100001', '4100002']])
    expect(w.get('[aria-label="Pretty JSON, line by line"]').text()).toContain('+replayed only:   "stamp": 4100002,')
  })

  it('shows both responses whole with the HTTP tab’s panes: decoded JSON on both sides', async () => {
    const w = await comparison()
    const sides = w.get('[role="group"][aria-label="Recorded and replayed responses"]')
    const panes = sides.findAll('section')
    expect(panes.map((p) => p.attributes('aria-label'))).toEqual(['Recorded', 'Replayed'])
    const trees = panes.map((p) => p.get('[role="tree"][aria-label="JSON body"]').findAll('[role="treeitem"]').map((l) => l.text()))
    expect(trees).toEqual([
      ['▾{', '"stamp": 4100001,', '"ok": true', '}'],
      ['▾{', '"stamp": 4100002,', '"ok": true', '}']
    ])
    expect(panes[0].get('table[aria-label="Recorded response headers"]').findAll('tbody tr')).toHaveLength(4)
    expect(panes[1].text()).toContain('gzip decoded: 27 B')
  })

  it('reads in Chinese', async () => {
    const w = await comparison('zh-CN')
    expect(w.find('table[aria-label="不同的 JSON 值"]').exists()).toBe(true)
    expect(w.find('[aria-label="录制与重放的响应"]').exists()).toBe(true)
  })
})
