// What a leg of an HTTP/2 connection under traffic rules (h2-leg.ts) keeps of a stream's
// message while a rule decides on it, and what waits for the target's answer to a request.

import type { FramePart } from '../../breakpoint/h2/h2-frame-feed'
import type { Block } from '../../breakpoint/h2/h2-blocks'
import type { MessageRewrite } from '../../../shared/rules/rule-types'
import type { RuleEntry } from '../rule-set'
import type { ScriptRequest } from '../script/script-types'

export type Part = FramePart | { block: Block }

/** What is done to the target's answer on a stream once it has come whole: a request's rule's rewrite, the script's onResponse, or both (in that order). */
export interface ResponsePlan {
  rewrite?: MessageRewrite
  entry?: RuleEntry
  /** The request's summary (`GET /api`). */
  summary: string
  /** The request as the script's onResponse is given it (built once the response has come). */
  script?: () => Promise<ScriptRequest>
  /** What was kept for `script` is not needed (the stream was reset). */
  release?: () => void
}

/** A stream's message kept here while a rule decides on it. */
export interface Held {
  stream: number
  head: Block
  /** Its frames after the head, in order. */
  parts: Part[]
  /** Bytes of its frames. */
  size: number
  /** Flow-controlled bytes of its DATA (padding counted), given back to the sender already. */
  flow: number
  /** END_STREAM came. */
  complete: boolean
  /** Decided on only once complete (a body matcher, a body rewrite), else as soon as its head came. */
  whole: boolean
  deciding: boolean
  summary: string
  plan?: ResponsePlan
  /** What to do once it is complete, when its decision was begun on its head and needs the rest (the script's onRequest after a rule's chain). */
  resume?: () => Promise<void>
}

/** Client streams the target never got, the newest kept: a frame the client sends of one later is not the target's. */
const MAX_LOCAL = 1024

export class LocalStreams {
  private readonly set = new Set<number>()

  has(stream: number): boolean {
    return this.set.has(stream)
  }

  add(stream: number): void {
    this.set.add(stream)
    if (this.set.size > MAX_LOCAL) this.set.delete(this.set.values().next().value!)
  }
}
