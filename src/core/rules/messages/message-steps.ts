// A message rule's steps run on one message, in order: what each did is recorded beside the
// message (rule-record.ts), and what the message became is the caller's to send: its bytes
// (rewritten or not), or the way its steps ended it (an answer, close, reset, drop, timeout).

import type { Respond, Rewrite, RuleEventInfo } from '../../../shared/rules/rule-types'
import type { FramedPiece } from '../../breakpoint/message-framer'
import { stepKind } from '../../../shared/rules/rule-types'
import { recordRule } from '../rule-record'
import type { RuleEntry } from '../rule-set'
import { messageAnswer, rewriteBytes } from './message-edit'
import type { At, RuleSide } from './message-side'
import { inTargetsPlace } from '../traffic-deps'

export type StepEnd = 'respond' | 'close' | 'reset' | 'drop' | 'timeout'

/** What a side reads and writes while a message's steps run. */
export type StepSide = Pick<RuleSide, 'dir' | 'port' | 'conv'>

/** The words a record uses for the message: a client's summary, or "the reply ..." for the target's. */
export function messageWords(side: Pick<RuleSide, 'dir'>, at: At): string {
  return side.dir === 'client' ? at.summary : `the reply ${at.summary}`
}

/**
 * Runs a rule's steps on a message; resolves with the bytes that go on (rewritten or not),
 * or undefined when a step ended the message's way (`ended` said how).
 */
export async function runSteps(side: StepSide, piece: FramedPiece, entry: RuleEntry, at: At, ended: (how: StepEnd, answer?: Buffer) => void): Promise<Buffer | undefined> {
  const { conv } = side
  let bytes = piece.bytes
  const record = (action: RuleEventInfo['action'], message: string, delivered?: Uint8Array): void => recordRule(side.port, entry, action, message, at, delivered)
  const what = messageWords(side, at)
  for (const step of entry.spec.steps) {
    if (conv.closed) return undefined
    const kind = stepKind(step)
    switch (kind) {
      case 'delay': {
        const ms = (step as { delay: number }).delay
        record('delay', `delayed ${what} ${ms} ms`)
        await conv.sleep(ms)
        break
      }
      case 'rewrite': {
        const rw = (step as { rewrite: Rewrite }).rewrite
        if (rw.request !== undefined || rw.response !== undefined) record('error', `rewrite.request and rewrite.response change HTTP messages: ${what} changes with rewrite.bytes`)
        const replaces = rw.bytes
        if (replaces === undefined) break
        const out = rewriteBytes(bytes, replaces, conv.framing.codec ?? undefined, side.dir)
        if (!Buffer.isBuffer(out)) record('error', `${what} not rewritten: ${out.error}; it goes as it came`)
        else bytes = out
        break
      }
      case 'respond': {
        const answer = await messageAnswer((step as { respond: Respond }).respond, conv.deps.baseDir)
        if (conv.closed) return undefined
        record('respond', side.dir === 'client' ? `answered ${what}${inTargetsPlace(conv.deps)}` : `replaced ${what} with an answer of ${answer.length} bytes`, answer)
        ended('respond', answer)
        return undefined
      }
      case 'forward':
        record('error', `a forward step sends HTTP requests elsewhere: ${what} goes on as the other steps say`)
        break
      case 'close':
      case 'reset':
        record(kind, `${kind === 'reset' ? 'reset' : 'closed'} the connection at ${what}`)
        ended(kind)
        return undefined
      case 'drop':
      case 'timeout':
        record(kind, `${what} ${kind === 'drop' ? 'dropped' : 'never answered'}`)
        ended(kind)
        return undefined
    }
  }
  if (bytes !== piece.bytes) record('rewrite', `rewrote ${what}`, bytes)
  return bytes
}
