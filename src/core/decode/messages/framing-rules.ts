// Which framing each connection of a capture is cut with: the one chosen for it ("decode
// as"), else its owner's rule (a proxy or session started with `--frame`, or "decode as"
// applied to all of an owner's connections), else the protocol its first bytes or port
// say, else none. Rules live as long as the engine does; a proxy's own rule is part of it.

import type { ConnectionSummary } from '../../../shared/capture-types'
import { UserError } from '../../../shared/errors'
import { FrameSpecError, formatFrameSpec, parseFrameSpec, type FrameSpec, type MessagePage } from '../../../shared/message-types'

export interface Framing {
  spec: FrameSpec
  source: MessagePage['source']
}

/** Parses a framing a user typed, as a UserError in one line when it is none. */
export function framingOf(text: string): FrameSpec {
  try {
    return parseFrameSpec(text)
  } catch (err) {
    if (err instanceof FrameSpecError) throw new UserError(err.message)
    throw err
  }
}

export class FramingRules {
  /** By capture id, then connection id. */
  private readonly chosen = new Map<string, Map<number, FrameSpec>>()
  /** By capture id, then owner id. */
  private readonly owners = new Map<string, Map<string, FrameSpec>>()
  /** Rules of running owners (`--frame` on a proxy or session), whatever the capture. */
  private readonly running = new Map<string, FrameSpec>()

  choose(capture: string, connId: number, spec: FrameSpec | undefined): void {
    let m = this.chosen.get(capture)
    if (!m) this.chosen.set(capture, (m = new Map()))
    if (spec) m.set(connId, spec)
    else m.delete(connId)
  }

  chooseForOwner(capture: string, ownerId: string, spec: FrameSpec | undefined): void {
    let m = this.owners.get(capture)
    if (!m) this.owners.set(capture, (m = new Map()))
    if (spec) m.set(ownerId, spec)
    else m.delete(ownerId)
  }

  /** A proxy's or session's own rule (its `frame` option), for its connections in the live capture. */
  setRunning(ownerId: string, spec: FrameSpec | undefined): void {
    if (spec) this.running.set(ownerId, spec)
    else this.running.delete(ownerId)
  }

  /** The framing a connection is cut with, unless its bytes say a protocol (`detected`, decided by the caller). */
  of(capture: string, conn: Pick<ConnectionSummary, 'id' | 'ownerId'>, live: boolean): Framing | undefined {
    const chosen = this.chosen.get(capture)?.get(conn.id)
    if (chosen) return { spec: chosen, source: 'chosen' }
    const forOwner = this.owners.get(capture)?.get(conn.ownerId)
    if (forOwner) return { spec: forOwner, source: 'ownerChosen' }
    const running = live ? this.running.get(conn.ownerId) : undefined
    if (running) return { spec: running, source: 'owner' }
    return undefined
  }

  /** An owner's framing in a capture: chosen for all its connections ("decode as"), else its own `--frame`. */
  ofOwner(capture: string, ownerId: string): FrameSpec | undefined {
    return this.owners.get(capture)?.get(ownerId) ?? this.running.get(ownerId)
  }

  forget(capture: string): void {
    this.chosen.delete(capture)
    this.owners.delete(capture)
  }
}

export { formatFrameSpec }
