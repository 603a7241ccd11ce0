// Where the flow diagram draws things: the two lifelines (client, server) across the width
// it has, and for each turn the shape between them: an arrow from the sender to the other
// side for data, a short arrow for a FIN, a short arrow ending in a cross for a reset or a
// failed connect, a dashed line across for the close. Plain numbers, so they can be tested.

import type { Direction, Turn } from '../../../../shared/capture-types'

/** Room on the left for each row's time. */
export const FLOW_GUTTER = 88
/** How far a mark's short arrow goes toward the other side. */
const MARK_REACH = 0.3
const FAILED_REACH = 0.55

export interface Lanes {
  client: number
  server: number
}

/** The lifelines' x for a diagram `width` wide; never closer than room for a label. */
export function lanesFor(width: number): Lanes {
  const client = FLOW_GUTTER + 56
  return { client, server: Math.max(client + 200, width - 72) }
}

export interface Shape {
  from: number
  to: number
  /** An arrowhead at `to`. */
  head: boolean
  /** A cross at `to`: the connection was cut there. */
  cross: boolean
  dashed: boolean
  /** Drawn in the warning colour, not a direction's. */
  warn: boolean
}

const other = (d: Direction): Direction => (d === 'client' ? 'server' : 'client')
const toward = (lanes: Lanes, d: Direction, reach: number): number => lanes[d] + (lanes[other(d)] - lanes[d]) * reach

export function turnShape(turn: Turn, lanes: Lanes): Shape {
  const d = turn.dir ?? 'client'
  switch (turn.kind) {
    case 'data':
      return { from: lanes[d], to: lanes[other(d)], head: true, cross: false, dashed: false, warn: false }
    case 'fin':
      return { from: lanes[d], to: toward(lanes, d, MARK_REACH), head: true, cross: false, dashed: true, warn: false }
    case 'reset':
    case 'error':
      return { from: lanes[d], to: toward(lanes, d, MARK_REACH), head: false, cross: true, dashed: false, warn: true }
    case 'connect-failed':
      return { from: lanes.client, to: toward(lanes, 'client', FAILED_REACH), head: false, cross: true, dashed: true, warn: true }
    case 'close':
      return { from: lanes.client, to: lanes.server, head: false, cross: false, dashed: true, warn: false }
    case 'gap':
      // Bytes that went across but were not kept: the whole way, dashed, in the warning colour.
      return { from: lanes[d], to: lanes[other(d)], head: true, cross: false, dashed: true, warn: true }
  }
}

/** The arrowhead at the end of a shape, as SVG polygon points, `size` long. */
export function arrowHead(shape: Shape, y: number, size = 7): string {
  const sign = shape.to >= shape.from ? 1 : -1
  const back = shape.to - sign * size
  return `${shape.to},${y} ${back},${y - size / 2} ${back},${y + size / 2}`
}

/** Where a shape's label goes: over the middle of one that crosses, beside the end of a short mark. */
export function labelAt(shape: Shape, lanes: Lanes): { x: number; anchor: 'middle' | 'start' | 'end' } {
  const crosses = Math.abs(shape.to - shape.from) >= Math.abs(lanes.server - lanes.client) - 1
  if (crosses) return { x: (shape.from + shape.to) / 2, anchor: 'middle' }
  return shape.to >= shape.from ? { x: shape.to + 10, anchor: 'start' } : { x: shape.to - 10, anchor: 'end' }
}
