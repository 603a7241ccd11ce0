// Where the flow diagram draws: two lifelines with room for labels, an arrow across for
// data, short marks for FIN and RST from the side that did them, a failed connect that
// stops half-way with a cross, the close as a dashed line across.
import { describe, expect, it } from 'vitest'
import type { Turn } from '../../../../src/shared/capture-types'
import { arrowHead, FLOW_GUTTER, labelAt, lanesFor, turnShape } from '../../../../src/renderer/src/features/conversation/flow-geometry'

const lanes = lanesFor(1000)
const turn = (t: Partial<Turn>): Turn => ({ kind: 'data', event: 1, time: 0, at: 0, ...t })

describe('flow geometry', () => {
  it('puts the client after the time gutter and the server near the right edge, never too close', () => {
    expect(lanes.client).toBeGreaterThan(FLOW_GUTTER)
    expect(lanes.server).toBeGreaterThan(900)
    const narrow = lanesFor(100)
    expect(narrow.server - narrow.client).toBe(200)
  })

  it('draws data from the side that sent it to the other, with a head', () => {
    expect(turnShape(turn({ dir: 'client' }), lanes)).toMatchObject({ from: lanes.client, to: lanes.server, head: true, cross: false, warn: false })
    expect(turnShape(turn({ dir: 'server' }), lanes)).toMatchObject({ from: lanes.server, to: lanes.client, head: true })
  })

  it('draws a FIN as a short dashed arrow and a reset as a short one ending in a cross, from who did it', () => {
    const fin = turnShape(turn({ kind: 'fin', dir: 'server' }), lanes)
    expect(fin).toMatchObject({ from: lanes.server, head: true, dashed: true, warn: false })
    expect(fin.to).toBeLessThan(lanes.server)
    expect(fin.to).toBeGreaterThan((lanes.client + lanes.server) / 2)
    const rst = turnShape(turn({ kind: 'reset', dir: 'client' }), lanes)
    expect(rst).toMatchObject({ from: lanes.client, head: false, cross: true, warn: true })
    expect(rst.to).toBeLessThan((lanes.client + lanes.server) / 2)
  })

  it('draws a failed connect from the client, stopping past half-way, and the close across', () => {
    const failed = turnShape(turn({ kind: 'connect-failed' }), lanes)
    expect(failed).toMatchObject({ from: lanes.client, cross: true, warn: true })
    expect(failed.to).toBeGreaterThan((lanes.client + lanes.server) / 2)
    expect(failed.to).toBeLessThan(lanes.server)
    expect(turnShape(turn({ kind: 'close' }), lanes)).toMatchObject({ from: lanes.client, to: lanes.server, head: false, dashed: true })
  })

  it('points the arrowhead the way the arrow goes', () => {
    const right = turnShape(turn({ dir: 'client' }), lanes)
    expect(arrowHead(right, 10, 6)).toBe(`${lanes.server},10 ${lanes.server - 6},7 ${lanes.server - 6},13`)
    const left = turnShape(turn({ dir: 'server' }), lanes)
    expect(arrowHead(left, 10, 6)).toBe(`${lanes.client},10 ${lanes.client + 6},7 ${lanes.client + 6},13`)
  })

  it('labels an arrow across over its middle, and a short mark beside its end, away from its lifeline', () => {
    expect(labelAt(turnShape(turn({ dir: 'client' }), lanes), lanes)).toEqual({ x: (lanes.client + lanes.server) / 2, anchor: 'middle' })
    const fin = turnShape(turn({ kind: 'fin', dir: 'server' }), lanes)
    expect(labelAt(fin, lanes)).toEqual({ x: fin.to - 10, anchor: 'end' })
    const rst = turnShape(turn({ kind: 'reset', dir: 'client' }), lanes)
    expect(labelAt(rst, lanes)).toEqual({ x: rst.to + 10, anchor: 'start' })
  })
})
