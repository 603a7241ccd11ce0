// @vitest-environment jsdom
// The connection list marks a connection whose traffic tcpscope changed, from the row the
// engine lists (ConnectionSummary.changed, read from its break and rule records), so a person
// scanning the list sees which connections were edited at a breakpoint or changed by a rule:
// a mark in the Info cell, named for what reads it, its words in the cell's title too, in
// English and in Chinese. A connection nothing changed has no mark. One tcpscope reset says so
// in its state, not "stopped", and its mark says what made the reset and who got the RST.
import type { VueWrapper } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import type { ProtocolSummary } from '../../../../src/shared/protocol-types'
import ConnectionList from '../../../../src/renderer/src/features/connections/ConnectionList.vue'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { fakeTransport } from '../../fake-transport'
import { settle, useViewport } from '../../viewport'
import { LIST_T0, listRow } from './list-rows'

const { mountView } = useViewport({ clientHeight: 400, clientWidth: 1000 })

const http: ProtocolSummary = { protocol: 'http1', exchanges: 1, first: { method: 'POST', target: '/login', status: 200, contentType: 'text/plain', size: 2 } }
const conn = (id: number, changed?: ConnectionSummary['changed']): ConnectionSummary => listRow(id, { protocol: http, ...(changed ? { changed } : {}) })
/** A request a rule answered: the target sent nothing, and tcpscope gave the client 220 bytes in its place. */
const answered: ConnectionSummary = { ...conn(5, { rule: true }), bytes: { client: 40, server: 0 }, answered: 220 }
const reset = (id: number, changed: ConnectionSummary['changed']): ConnectionSummary => ({ ...conn(id, changed), end: 'tcpscope-reset', closedAt: LIST_T0 + 5 })
const ROWS: ConnectionSummary[] = [
  conn(1, { breakpoint: true }),
  conn(2, { rule: true }),
  conn(3),
  conn(4, { breakpoint: true, rule: true }),
  answered,
  reset(6, { reset: { by: 'toxic', rst: { client: true, server: true } } }),
  reset(7, { rule: true, reset: { by: 'action', rst: { client: true, server: false } } }),
  { ...conn(8), end: 'stopped', closedAt: LIST_T0 + 5 }
]

async function mountList(locale: 'en' | 'zh-CN' = 'en'): Promise<VueWrapper> {
  const t = fakeTransport({ 'conn.page': ({ offset }) => ({ total: ROWS.length, offset, rows: ROWS }) })
  useEngineStore().attach(t.transport)
  const w = mountView(ConnectionList, { locale })
  t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [] })
  await settle()
  return w
}

const text = (w: { text(): string }): string => w.text().replace(/\s+/g, ' ').trim()
const rows = (w: VueWrapper): VueWrapper[] => w.findAll('[role=rowgroup] [role=row]') as unknown as VueWrapper[]
/** Each row's Info cell. */
const infoOf = (w: VueWrapper, n: number) => rows(w)[n].findAll('[role=gridcell]')[6]
/** Each row's state cell. */
const stateOf = (w: VueWrapper, n: number) => rows(w)[n].findAll('[role=gridcell]')[7]
/** Each row's received cell. */
const receivedOf = (w: VueWrapper, n: number) => rows(w)[n].findAll('[role=gridcell]')[9]
/** The names of the marks (role img) in a row's Info cell. */
const marksOf = (w: VueWrapper, n: number): string[] => infoOf(w, n).findAll('[role=img]').map((m) => m.attributes('aria-label') ?? '')

describe('the connection list', () => {
  it('marks a connection edited at a breakpoint or changed by a rule in its Info cell', async () => {
    const w = await mountList()
    expect(marksOf(w, 0)).toEqual(['Edited at a breakpoint'])
    expect(marksOf(w, 1)).toEqual(['Changed by a traffic rule or the script'])
    expect(marksOf(w, 2)).toEqual([])
    expect(marksOf(w, 3)).toEqual(['Edited at a breakpoint', 'Changed by a traffic rule or the script'])
    // Seen short beside what the Info cell says of the connection; said whole in its title.
    expect(text(infoOf(w, 0))).toBe('edited POST /login → 200 text/plain 2 B')
    expect(infoOf(w, 0).attributes('title')).toBe('Edited at a breakpoint · POST /login → 200 text/plain 2 B')
    expect(text(infoOf(w, 2))).toBe('POST /login → 200 text/plain 2 B')
    expect(infoOf(w, 2).attributes('title')).toBe('POST /login → 200 text/plain 2 B')
    // The mark's title says it too, for the pointer.
    expect(infoOf(w, 1).get('[role=img]').attributes('title')).toBe('Changed by a traffic rule or the script')
  })

  it('counts what tcpscope answered in the target\'s place as received, and says how much in the title', async () => {
    const w = await mountList()
    expect(text(receivedOf(w, 4))).toBe('220 B')
    expect(receivedOf(w, 4).get('span').attributes('title')).toBe("220 B received: 220 B of it answered by tcpscope in the target's place (a rule, the script, or its own answer for a target that was down); the target sent 0 B")
    // A connection its target answered has no such title.
    expect(receivedOf(w, 2).get('span').attributes('title')).toBeUndefined()
  })

  it('says a reset tcpscope made in the state, and what made it and who got the RST in the mark', async () => {
    const w = await mountList()
    expect(text(stateOf(w, 5))).toBe('tcpscope RST')
    expect(text(stateOf(w, 7))).toBe('stopped')
    expect(marksOf(w, 5)).toEqual(['Reset by tcpscope (a reset_peer or down toxic): RST sent to the client and the target'])
    expect(text(infoOf(w, 5))).toBe('toxic RST POST /login → 200 text/plain 2 B')
    expect(marksOf(w, 6)).toEqual(['Changed by a traffic rule or the script', 'Reset by tcpscope (your action on the connection): RST sent to the client'])
    expect(text(infoOf(w, 6))).toBe('rule your RST POST /login → 200 text/plain 2 B')
    expect(marksOf(w, 7)).toEqual([])
  })

  it('says so in Chinese', async () => {
    const w = await mountList('zh-CN')
    expect(marksOf(w, 3)).toEqual(['在断点处修改过', '被流量规则或脚本改动过'])
    expect(text(infoOf(w, 0))).toBe('已修改 POST /login → 200 text/plain 2 B')
    expect(text(stateOf(w, 5))).toBe('tcpscope RST')
    expect(marksOf(w, 5)).toEqual(['被 tcpscope 重置（reset_peer 或 down 故障）：RST 发给客户端和目标'])
    expect(text(infoOf(w, 6))).toBe('规则 你的 RST POST /login → 200 text/plain 2 B')
    expect(receivedOf(w, 4).get('span').attributes('title')).toBe('接收 220 B：其中 220 B 由 tcpscope 代替目标应答（规则、脚本，或目标不可达时它自己的应答）；目标发送了 0 B')
  })
})
