// A message no rule acted on, given to the user's script (its onMessage hook): the script may
// change its bytes (their lengths refit by the codec, as rewrite.bytes does), delay it, drop
// it, or end the connection there. A script that fails lets the message pass as it came
// (ScriptHost already said why, once): the record says so beside the message. Each outcome
// is recorded as the script's (rule-record.ts), with the bytes delivered when they changed.

import type { RuleEventInfo } from '../../../shared/rules/rule-types'
import type { FramedPiece } from '../../breakpoint/message-framer'
import { recordRule } from '../rule-record'
import { refitBytes } from './message-edit'
import type { LazyMessageFacts } from './message-facts'
import type { At } from './message-side'
import { messageWords, type StepSide } from './message-steps'

export type ScriptEnd = 'drop' | 'close' | 'reset'

/**
 * Runs onMessage on a message; resolves with the bytes that go on (changed or not), or
 * undefined when the script ended the message's way (`ended` said how).
 */
export async function runMessageScript(side: StepSide, piece: FramedPiece, facts: LazyMessageFacts, at: At, ended: (how: ScriptEnd) => void): Promise<Buffer | undefined> {
  const { conv } = side
  const script = conv.deps.script
  if (script === undefined || !script.has('onMessage')) return piece.bytes
  const record = (action: RuleEventInfo['action'], message: string, delivered?: Uint8Array): void => recordRule(side.port, undefined, action, message, at, delivered)
  const what = messageWords(side, at)
  const outcome = await script.onMessage({ protocol: facts.protocol, dir: side.dir, summary: facts.summary, fields: plainFields(facts), bytes: piece.bytes, connId: conv.deps.connId })
  if (conv.closed) return undefined
  if (outcome.error !== undefined) record('error', `the script's onMessage failed on ${what}: ${outcome.error}${outcome.action === 'fail' ? '' : '; the message went on unchanged'}`)
  if (outcome.delayMs !== undefined && outcome.delayMs > 0) {
    record('delay', `the script delayed ${what} ${outcome.delayMs} ms`)
    await conv.sleep(outcome.delayMs)
    if (conv.closed) return undefined
  }
  // ctx.fail() has no error of its own to give on a raw connection: the client sees it reset.
  const action = outcome.action === 'fail' ? 'reset' : outcome.action
  if (action === 'close' || action === 'reset') {
    record('script', `the script ${action === 'reset' ? 'reset' : 'closed'} the connection at ${what}`)
    ended(action)
    return undefined
  }
  if (action === 'drop') {
    record('script', `the script dropped ${what}`)
    ended('drop')
    return undefined
  }
  const changed = outcome.changed?.bytes
  if (changed === undefined) return piece.bytes
  const out = refitBytes(changed, conv.framing.codec ?? undefined, side.dir)
  if (!Buffer.isBuffer(out)) {
    record('error', `the script's change to ${what} cannot be sent: ${out.error}; it goes as it came`)
    return piece.bytes
  }
  record('script', `the script changed ${what}`, out)
  return out
}

/** The fields as a plain object: the facts' lazy view cannot cross to the script's thread. */
function plainFields(facts: LazyMessageFacts): Record<string, unknown> {
  return { ...facts.fields }
}
