// A body handle (shown-message.ts) over bytes already held, for a message that is not read
// from a capture: a replay's response, whose result carries its first bytes as sent and,
// when a content coding was undone, the first bytes of its content. Nothing more can be
// read than what is held; the sizes say how much there was.

import type { BodyHandle, BodyState } from './shown-message'

export interface HeldContent {
  bytes: Uint8Array
  /** The whole content's size, when known. */
  size?: number
  /** The codings undone to give `bytes` (none: the bytes as sent). */
  decoded: string[]
  /** Why decoding stopped where it did: a coding that could not be undone, or a bound. */
  problem?: string
  note?: string
}

function stateOf(held: HeldContent): BodyState {
  const end = held.size !== undefined && held.bytes.length >= held.size && held.problem === undefined
  const state: BodyState = { bytes: held.bytes, end, kept: !end, decoded: held.decoded, loading: false }
  if (held.size !== undefined) state.total = held.size
  if (held.problem !== undefined) state.problem = { message: held.problem, offset: held.bytes.length }
  if (held.note !== undefined) state.note = held.note
  return state
}

/** The body as `sent`; `decoded` is its content with the codings undone, when there were any. */
export function heldBody(sent: HeldContent, decoded: HeldContent = sent): BodyHandle {
  const raw = stateOf(sent)
  const content = decoded === sent ? raw : stateOf(decoded)
  return { state: (decode) => (decode ? content : raw), load: () => Promise.resolve() }
}
