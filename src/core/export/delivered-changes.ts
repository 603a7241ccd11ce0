// What the rule records on one exchange's messages changed (delivered.ts): each message as its
// receiver got it (read by delivered-message.ts), and what the exchange's entry says of it.
//
// A record that kept only the SHA-256 (more than MAX_RECORDED_EDIT) cannot be shown: what
// was sent stays, and the entry says so. A request a rule answered itself never reached the
// target: its entry keeps the request the client sent, says so, and carries the answer the
// client got (none for a close, a reset or a drop). On HTTP/1 the decoder learns of those
// requests from the same records, and pairs the target's responses with the others only.

import { formatBytes } from '../../shared/human-readable'
import { h2ErrorName, type HttpMessage } from '../../shared/protocol-types'
import { endedHere, SCRIPT_ENDED, type RuleEventInfo } from '../../shared/rules/rule-types'
import { placeKey } from '../decode/delivered-acts'
import { readDelivered, readH2Text, type DeliveredMessage, type Reading } from './delivered-message'
import type { RuleAct, RuleActs } from './rule-acts'

/** A name or message fit for one comment line (a rule's name is the user's). */
const oneLine = (s: string): string => s.replace(/[\u0000-\u001f\u007f]+/g, ' ')

/**
 * `rule "mock the user": answered GET /api/user with 200 (not sent to the target)`; a script's
 * message names it, and tcpscope's own (no rule's) says what it did; a breakpoint's edit
 * (`by: 'break'`): `breakpoint b1: edited: 35 B → 41 B after 4.2 s`.
 */
export function whoActed(info: Pick<RuleEventInfo, 'rule' | 'label' | 'message'>, by?: 'break'): string {
  if (by === 'break') return oneLine(`breakpoint ${info.rule}: ${info.message}`)
  return oneLine(info.rule === 'script' || info.rule === '' ? info.message : `rule "${info.label}": ${info.message}`)
}

/** What the records on one message changed: the message as delivered (null: the receiver got none), and what the entry should say. */
export interface Changes {
  request?: DeliveredMessage
  response?: DeliveredMessage | null
  /** The request never reached the target. */
  local: boolean
  notes: string[]
  /** The notes as they read beside the request as the client sent it (an export as sent). */
  asSent: string[]
}

/** A note that reads the same whichever request the entry shows. */
function note(out: Changes, text: string): void {
  out.notes.push(text)
  out.asSent.push(text)
}

/** What a record delivered, when the capture has it: as its receiver got it, or why it cannot be shown. */
async function deliveredBy(act: RuleAct, h2: boolean, method: string | undefined): Promise<Reading | { hashed: number } | undefined> {
  const bytes = await act.bytes()
  if (bytes !== undefined && act.form === 'h2-text') return readH2Text(bytes, act.time)
  if (bytes !== undefined) return bytes.length === 0 ? undefined : readDelivered(bytes, h2, act.time, method)
  if (act.info.deliveredSha256 !== undefined) return { hashed: act.info.deliveredSize ?? 0 }
  return undefined
}

/** A record that kept only the SHA-256 of what it delivered. */
const keptOnly = (size: number, what: 'request' | 'response', local: boolean): string =>
  `the ${what} it delivered (${formatBytes(size)}) is not in the capture, only its SHA-256: ${local && what === 'response' ? 'the entry has no response' : 'this is what was sent'}`

/** A message read from a record keeps the times of the one it stands for; a body that went on as sent is read from the capture. */
function standsFor(d: DeliveredMessage, sent: HttpMessage): DeliveredMessage {
  d.message.startedAt = sent.startedAt
  if (sent.endedAt !== undefined) d.message.endedAt = sent.endedAt
  if (d.content === undefined) d.message.body = sent.body
  return d
}

/** The records on a request (in the client's direction, where the request starts). */
export async function requestChanges(acts: RuleActs, req: HttpMessage, h2: boolean): Promise<Changes> {
  const out: Changes = { local: false, notes: [], asSent: [] }
  for (const act of acts.get(placeKey('client', req.headRange.offset)) ?? []) {
    const info = act.info
    if (info.action === 'delay' || info.action === 'error') continue
    const who = whoActed(info, act.by)
    const ended = endedHere(info, h2)
    // HTTP/1's forward keeps the request it sent (the answer is on its own connection); HTTP/2's keeps the answer the client got, as a respond does.
    const forwarded = ended && info.action === 'forward' && !h2
    const got = await deliveredBy(act, h2, req.method)
    if (ended) out.local = true
    if (got === undefined) {
      if (!ended) continue
      out.response = null
      note(out, forwarded ? `${who}` : `${who}; the target never got the request, and the client got no response`)
    } else if ('hashed' in got) {
      note(out, `${who}; ${keptOnly(got.hashed, ended && !forwarded ? 'response' : 'request', ended)}`)
    } else if ('unreadable' in got) {
      note(out, `${who}; what it delivered cannot be read on its own (${got.unreadable}): this is what was sent`)
    } else if ('reset' in got) {
      out.local = true
      out.response = null
      note(out, `${who}; the client got RST_STREAM ${h2ErrorName(got.reset)} instead of a response`)
    } else if ('request' in got) {
      out.request = standsFor(got.request, req)
      out.notes.push(`the request as ${forwarded ? 'the server it was forwarded to' : 'the target'} got it: ${who}`)
      out.asSent.push(who)
    } else {
      out.local = true
      out.response = got.response
      out.notes.push(`the response as the client got it (the target never got the request): ${who}`)
      // Beside what each side sent, the answer is tcpscope's: the target sent none.
      out.asSent.push(`the response tcpscope gave the client in the target's place (the target never got the request): ${who}`)
    }
    if (forwarded) {
      out.response = null
      note(out, "the client got that server's answer: it is recorded on tcpscope's connection to that server, not here")
    }
  }
  return out
}

/** The records on a response (in the server's direction, where the response starts). */
export async function responseChanges(acts: RuleActs, res: HttpMessage, method: string | undefined, h2: boolean, out: Changes): Promise<void> {
  for (const act of acts.get(placeKey('server', res.headRange.offset)) ?? []) {
    const info = act.info
    if (info.action === 'delay' || info.action === 'error') continue
    const who = whoActed(info, act.by)
    const got = await deliveredBy(act, h2, method)
    if (got === undefined) {
      if (info.action !== 'script' || !SCRIPT_ENDED.test(info.message)) continue
      out.response = null
      note(out, `${who}; the client never got this response`)
    } else if ('hashed' in got) note(out, `${who}; ${keptOnly(got.hashed, 'response', false)}`)
    else if ('unreadable' in got) note(out, `${who}; what it delivered cannot be read on its own (${got.unreadable}): this is what was sent`)
    else if ('reset' in got) {
      out.response = null
      note(out, `${who}; the client got RST_STREAM ${h2ErrorName(got.reset)} instead of this response`)
    } else if ('response' in got) {
      out.response = standsFor(got.response, res)
      note(out, `the response as the client got it: ${who}`)
    }
  }
}
