// A rule's steps on one whole WebSocket message, in order, each recorded beside the message
// (rule-record.ts) with what the receiver got: `delay` waits; `rewrite` changes a text
// message's text (`rewrite.websocket`: text, JSON paths, replacements) or any payload
// (`rewrite.bytes`), and the message then goes on as one frame with its opcode; `respond`
// sends a message back to the sender instead (text, json or body: a text message; hex or
// file: a binary one); `drop` and `timeout` send nothing; `close` sends a Close frame each
// way and then a FIN; `reset` resets. What it comes to is the side's to carry out.

import type { Respond, Rewrite, RuleEventInfo, WebSocketRewrite } from '../../../shared/rules/rule-types'
import { replaceText } from '../text-replace'
import { respondBody } from '../http-respond'
import { stepKind } from '../../../shared/rules/rule-types'
import { parseJsonPath, setJsonAt } from '../json-path'
import { rewriteBytes } from '../messages/message-edit'
import { recordRule } from '../rule-record'
import type { RuleEntry } from '../rule-set'
import { BINARY, TEXT, type WsMessageFacts } from './ws-facts'
import { wsFrame } from './ws-out'
import type { WsWhole } from './ws-cutter'
import type { WsAt, WsTurnSide } from './ws-turn'
import { MAX_CONTROL_PAYLOAD } from '../../protocols/websocket/ws-frame'

/** What became of a message: on as it came, on as another frame, answered, or ended. */
export type WsOutcome = { kind: 'pass' } | { kind: 'frame'; frame: Buffer } | { kind: 'respond'; frame: Buffer } | { kind: 'drop' } | { kind: 'close' } | { kind: 'reset' }

/** How a record names the message: `text "hi"`, or `the target's text "hi"`. */
export function wsWords(side: Pick<WsTurnSide, 'dir'>, at: WsAt): string {
  return side.dir === 'client' ? `the WebSocket ${at.summary}` : `the target's WebSocket ${at.summary}`
}

export async function runWsSteps(side: WsTurnSide, msg: WsWhole, facts: WsMessageFacts, entry: RuleEntry, at: WsAt): Promise<WsOutcome> {
  const record = (action: RuleEventInfo['action'], message: string, delivered?: Uint8Array): void => recordRule(side.port, entry, action, message, at, delivered)
  const what = wsWords(side, at)
  let payload = facts.payload
  for (const step of entry.spec.steps) {
    if (side.closed) return { kind: 'drop' }
    const kind = stepKind(step)
    switch (kind) {
      case 'delay': {
        const ms = (step as { delay: number }).delay
        record('delay', `delayed ${what} ${ms} ms`)
        await side.sleep(ms)
        break
      }
      case 'rewrite': {
        const rw = (step as { rewrite: Rewrite }).rewrite
        if (rw.request !== undefined || rw.response !== undefined) record('error', `rewrite.request and rewrite.response change HTTP messages: ${what} changes with rewrite.websocket or rewrite.bytes`)
        if (rw.websocket === undefined && rw.bytes === undefined) break
        if (payload === undefined) {
          record('error', `${what} not rewritten: its compressed payload could not be inflated; it goes as it came`)
          break
        }
        if (rw.websocket !== undefined) {
          if (msg.opcode !== TEXT) record('error', `rewrite.websocket changes text messages: ${what} is not one (rewrite.bytes changes any payload)`)
          else {
            const out = rewriteText(payload.toString('utf8'), rw.websocket)
            for (const note of out.notes) record('error', `${what}: ${note}`)
            payload = Buffer.from(out.text)
          }
        }
        if (rw.bytes !== undefined) {
          const out = rewriteBytes(payload, rw.bytes, undefined, side.dir)
          if (Buffer.isBuffer(out)) payload = out
        }
        break
      }
      case 'respond': {
        const answer = await wsAnswer((step as { respond: Respond }).respond, side.baseDir)
        if (side.closed) return { kind: 'drop' }
        if (answer === undefined) {
          record('error', `a respond step on ${what} answers with text, json, body (a text message), hex or file (a binary one): it goes on as the other steps say`)
          break
        }
        // Toward the sender: masked when the sender is the target (it reads frames as a server does).
        const frame = wsFrame(answer.opcode, answer.payload, side.dir === 'server')
        record('respond', `answered ${what} with a ${answer.opcode === TEXT ? 'text' : 'binary'} message of ${answer.payload.length} bytes (not sent to the ${side.dir === 'client' ? 'target' : 'client'})`, frame)
        return { kind: 'respond', frame }
      }
      case 'forward':
        record('error', `a forward step sends HTTP requests elsewhere: ${what} goes on as the other steps say`)
        break
      case 'close':
      case 'reset':
        record(kind, `${kind === 'reset' ? 'reset' : 'closed'} the connection at ${what}${kind === 'close' ? ' (a Close frame each way, then a FIN)' : ''}`)
        return { kind }
      case 'drop':
      case 'timeout':
        record(kind, `${what} ${kind === 'drop' ? 'dropped' : 'never delivered'}`)
        return { kind: 'drop' }
    }
  }
  if (payload === undefined || payload === facts.payload || (facts.payload !== undefined && payload.equals(facts.payload))) return { kind: 'pass' }
  if (msg.control && payload.length > MAX_CONTROL_PAYLOAD) {
    record('error', `${what} not rewritten: a control frame holds at most ${MAX_CONTROL_PAYLOAD} bytes, the rewrite made ${payload.length}; it goes as it came`)
    return { kind: 'pass' }
  }
  const frame = side.frame(msg.opcode, payload)
  record('rewrite', `rewrote ${what}${msg.frames > 1 ? ` (${msg.frames} frames, sent as one)` : ''}`, frame)
  return { kind: 'frame', frame }
}

/** A text message's text with a rewrite.websocket applied: the whole text, then JSON paths, then replacements. */
export function rewriteText(text: string, rw: WebSocketRewrite): { text: string; notes: string[] } {
  const notes: string[] = []
  let out = rw.text ?? text
  if (rw.json !== undefined && rw.text === undefined) {
    let doc: unknown
    try {
      doc = JSON.parse(out)
    } catch {
      notes.push('json paths not set: the text is not JSON')
    }
    if (doc !== undefined) {
      for (const [path, value] of Object.entries(rw.json)) {
        const steps = parseJsonPath(path)
        if (steps === undefined || !setJsonAt(doc, steps, value)) notes.push(`${path} not set: no such place in the message`)
      }
      out = JSON.stringify(doc)
    }
  }
  for (const r of rw.replace ?? []) out = replaceText(out, r.find, r.with, r.regex === true)
  return { text: out, notes }
}

/** The message a respond step answers with; undefined when it names none a WebSocket can carry. */
async function wsAnswer(r: Respond, baseDir: string | undefined): Promise<{ opcode: number; payload: Buffer } | undefined> {
  if (r.text === undefined && r.json === undefined && r.body === undefined && r.hex === undefined && r.file === undefined) return undefined
  const { body } = await respondBody(r, baseDir)
  return { opcode: r.hex !== undefined || r.file !== undefined ? BINARY : TEXT, payload: body }
}
