// @vitest-environment jsdom
// The hex view's grid over a fake engine: a short last row's ASCII cell starts in the same
// column as the full rows' (a monospace font: the cells before it are as many characters).
import { describe, expect, it } from 'vitest'
import type { ConnectionSummary } from '../../../../../src/shared/capture-types'
import HexView from '../../../../../src/renderer/src/features/bytes/hex/HexView.vue'
import { useEngineStore } from '../../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../../../src/renderer/src/features/connections/selection-store'
import { fakeTransport } from '../../../fake-transport'
import { settle, useViewport } from '../../../viewport'

const { mountView } = useViewport({ clientHeight: 400, clientWidth: 800 })

const SENT = 16 * 2 + 5
const conn: ConnectionSummary = {
  id: 3,
  kind: 'proxy',
  ownerId: 'p1',
  target: '127.0.0.1:6379',
  openedAt: 0,
  bytes: { client: SENT, server: 0 },
  fin: { client: true, server: true },
  end: 'closed'
}

describe('hex view', () => {
  it('lines up the ASCII column of a short last row with the full rows above it', async () => {
    const bytes = Uint8Array.from({ length: SENT }, (_, i) => 0x41 + (i % 26))
    const t = fakeTransport({
      'conn.get': () => [conn],
      'conn.read': ({ offset, length }) => bytes.slice(offset, offset + length)
    })
    useEngineStore().attach(t.transport)
    useSelectionStore().select(conn.id)
    await settle()
    const w = mountView(HexView, { props: { conn, capture: 'live' } })
    await settle()
    const grid = w.get('[role=grid][aria-label="Hex bytes"]')
    const rows = grid.findAll('[role=row]').map((r) => r.findAll('[role=gridcell]').map((c) => c.element.textContent ?? ''))
    expect(rows.map((cells) => cells[2])).toEqual(['ABCDEFGHIJKLMNOP', 'QRSTUVWXYZABCDEF', 'GHIJK'])
    const asciiAt = rows.map(([offset, hex]) => offset.length + hex.length)
    expect(asciiAt[2]).toBe(asciiAt[0])
    expect(asciiAt[1]).toBe(asciiAt[0])
  })
})
