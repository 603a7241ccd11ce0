// Where an HTTP/2 body's content past its listed DATA frames (HttpBody.unlisted) lies on the
// wire, learnt while reading it (body-content.ts): points from a content offset to the start
// of the frame that carries it, so a window far into the body is read from the last point
// before it, not from the first unlisted frame again. Paging a 4 GiB download in 1 MiB
// windows (the HTTP tab's Load more, `show --body-limit`) read the wire from there for every
// window: some 8 TiB. The points are kept per capture for the bodies read last (a body's
// frames never move: its wire only grows while it arrives), and bounded in number.

import type { Direction } from '../../shared/direction'
import type { CaptureView } from '../capture/query/capture-queries'

/** Content (or wire) between two points at first: a window is read from at most about this far before it. */
export const CHECKPOINT_SPACING = 256 * 1024
/** Points a body keeps (two numbers each): past them every other one goes and the spacing doubles, so a 4 GiB body keeps 1 MiB apart. */
const MAX_POINTS = 4096
/** Bodies whose points are kept, per capture: each at most 64 KiB. */
const KEPT = 16

/** A place to start reading the unlisted frames again: `content` bytes of them come before the frame at `wire`. */
export interface Checkpoint {
  content: number
  wire: number
}

export class FrameCheckpoints {
  /** Increasing, side by side: the first is the first unlisted frame. Only a prefix of the body is covered (it is read in order from a point). */
  private readonly content: number[] = [0]
  private readonly wire: number[]
  private spacing = CHECKPOINT_SPACING

  constructor(first: number) {
    this.wire = [first]
  }

  /** The last point at or before content offset `from`. */
  before(from: number): Checkpoint {
    let lo = 0
    let hi = this.content.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.content[mid] <= from) lo = mid
      else hi = mid - 1
    }
    return { content: this.content[lo], wire: this.wire[lo] }
  }

  /**
   * A frame of the body's starts at `wire`, `content` bytes of the unlisted content before
   * it: kept when it is far enough past the last point, in content or on the wire (other
   * streams' frames between make the wire the longer).
   */
  passed(content: number, wire: number): void {
    const last = this.content.length - 1
    // A reading from an earlier point passes the points after it again.
    if (content <= this.content[last]) return
    if (content - this.content[last] < this.spacing && wire - this.wire[last] < this.spacing) return
    this.content.push(content)
    this.wire.push(wire)
    if (this.content.length <= MAX_POINTS) return
    for (let i = 0; 2 * i < this.content.length; i++) {
      this.content[i] = this.content[2 * i]
      this.wire[i] = this.wire[2 * i]
    }
    this.content.length = this.wire.length = Math.ceil(this.content.length / 2)
    this.spacing *= 2
  }
}

const byView = new WeakMap<CaptureView, Map<string, FrameCheckpoints>>()

/** The points of the body whose unlisted frames start at `unlisted` (in `dir` of `connId`), most recently read kept last. */
export function frameCheckpoints(view: CaptureView, connId: number, dir: Direction, unlisted: { offset: number }): FrameCheckpoints {
  let bodies = byView.get(view)
  if (bodies === undefined) byView.set(view, (bodies = new Map()))
  // A frame's offset in its direction is one body's.
  const key = `${connId}:${dir}:${unlisted.offset}`
  let points = bodies.get(key)
  if (points !== undefined) bodies.delete(key)
  else points = new FrameCheckpoints(unlisted.offset)
  bodies.set(key, points)
  while (bodies.size > KEPT) bodies.delete(bodies.keys().next().value!)
  return points
}
