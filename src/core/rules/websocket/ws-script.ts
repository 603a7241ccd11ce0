// A WebSocket message no rule acted on, given to the user's script (its onMessage hook):
// `msg.protocol` is 'websocket', `msg.fields` { opcode, text, json, code }, `msg.bytes` the
// payload (unmasked, inflated). The script may change the bytes (the message then goes on as
// one frame with its opcode), delay it, drop it, or end the connection there. A script that
// fails lets the message pass as it came; each outcome is recorded as the script's.

import type { RuleEventInfo } from '../../../shared/rules/rule-types'
import { MAX_CONTROL_PAYLOAD } from '../../protocols/websocket/ws-frame'
import { recordRule } from '../rule-record'
import type { WsWhole } from './ws-cutter'
import type { WsMessageFacts } from './ws-facts'
import { wsWords, type WsOutcome } from './ws-steps'
import type { WsAt, WsTurnSide } from './ws-turn'

export async function runWsScript(side: WsTurnSide, msg: WsWhole, facts: WsMessageFacts, at: WsAt): Promise<WsOutcome> {
  const script = side.script
  const payload = facts.payload
  if (script === undefined || !script.has('onMessage') || payload === undefined) return { kind: 'pass' }
  const record = (action: RuleEventInfo['action'], message: string, delivered?: Uint8Array): void => recordRule(side.port, undefined, action, message, at, delivered)
  const what = wsWords(side, at)
  const outcome = await script.onMessage({ protocol: 'websocket', dir: side.dir, summary: facts.summary, fields: facts.fields(), bytes: payload, connId: side.connId })
  if (side.closed) return { kind: 'drop' }
  if (outcome.error !== undefined) record('error', `the script's onMessage failed on ${what}: ${outcome.error}${outcome.action === 'fail' ? '' : '; the message went on unchanged'}`)
  if (outcome.delayMs !== undefined && outcome.delayMs > 0) {
    record('delay', `the script delayed ${what} ${outcome.delayMs} ms`)
    await side.sleep(outcome.delayMs)
    if (side.closed) return { kind: 'drop' }
  }
  // ctx.fail() has no error of its own to give on a WebSocket: the connection is reset.
  const action = outcome.action === 'fail' ? 'reset' : outcome.action
  if (action === 'close' || action === 'reset') {
    record('script', `the script ${action === 'reset' ? 'reset' : 'closed'} the connection at ${what}`)
    return { kind: action }
  }
  if (action === 'drop') {
    record('script', `the script dropped ${what}`)
    return { kind: 'drop' }
  }
  const changed = outcome.changed?.bytes
  if (changed === undefined) return { kind: 'pass' }
  if (msg.control && changed.length > MAX_CONTROL_PAYLOAD) {
    record('error', `the script's change to ${what} cannot be sent: a control frame holds at most ${MAX_CONTROL_PAYLOAD} bytes; it goes as it came`)
    return { kind: 'pass' }
  }
  const frame = side.frame(msg.opcode, changed)
  record('script', `the script changed ${what}`, frame)
  return { kind: 'frame', frame }
}
