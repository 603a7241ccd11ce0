// What the conversation and the flow diagram say about an event or a turn, in words: the
// accessible names of their rows and arrows, and the short labels drawn beside them. One
// place, so the conversation and the flow never describe the same thing two ways.

import { tcpscopeResetOf, type CaptureEvent, type Turn } from '../../../../shared/capture-types'
import type { Direction } from '../../../../shared/direction'
import { FAULT_EFFECTS, type FaultEffect } from '../../../../shared/fault-types'
import { MAX_HELD_MESSAGE } from '../../../../shared/break-types'
import { formatBytes, formatDuration } from '../../../../shared/human-readable'
import type { RuleEventInfo } from '../../../../shared/rules/rule-types'
import { deliveredStatus } from '../rules/rule-marks'
import { engineWords } from '../../ui/engine-words'
import { resetWords } from '../connections/connection-state'

/** vue-i18n's `t`, as these helpers use it. */
export type Translate = (key: string, values?: Record<string, unknown>, plural?: number) => string

/** `+3.20 ms`: a time since something, signed so it reads as an offset; the moment itself is `+0`. */
export const since = (ms: number): string => (ms > 0 ? `+${formatDuration(ms)}` : '+0')

/** What a non-data event says, e.g. "server reset the connection (RST)" or "connect failed: ECONNREFUSED …". */
export function eventWhat(t: Translate, e: CaptureEvent): string {
  const info = e.info ?? {}
  // What tcpscope did to the connection, worded from its record's fields: cause beside effect.
  if (e.kind === 'fault') return t('marks.fault', { toxic: String(info.toxic ?? ''), message: faultWords(t, info) })
  if (e.kind === 'break') return t('marks.break', { rule: String(info.rule ?? ''), message: breakWords(t, info) })
  if (e.kind === 'rule') return t('rules.mark', { label: String(info.label ?? info.rule ?? ''), message: ruleWords(t, info as unknown as RuleEventInfo) })
  if (e.kind === 'action') return t('marks.action', { message: actionWords(t, info, e.dir) })
  const side = e.dir ? t(`conv.side.${e.dir}`) : ''
  // Bytes forwarded but not kept: said with their size and place, never shown as bytes.
  if (e.kind === 'gap') return t('conv.gap', { side, size: formatBytes(num(info.bytes) ?? 0), offset: num(info.offset) ?? 0 })
  const what = t(`conv.what.${e.kind}`, { side })
  // A plain close is said once ("closed normally"), not as "closed: closed".
  if (e.kind === 'close' && info.end === 'closed') return t('conv.closedNormally')
  if (e.kind === 'close' && typeof info.end === 'string') return t('conv.whatWhy', { what, why: endWhy(t, info) })
  if ((e.kind === 'connect-failed' || e.kind === 'error') && typeof info.message === 'string') return t('conv.whatWhy', { what, why: engineWords(info.message, t) })
  return what
}

/** How a close record says the connection ended: a reset tcpscope made says what made it and to whom, but where room is short (`whole` false). */
function endWhy(t: Translate, info: Record<string, unknown>, whole = true): string {
  const reset = whole && info.end === 'tcpscope-reset' ? tcpscopeResetOf(info.reset) : undefined
  return reset !== undefined ? resetWords(t, 'conv.tcpscopeReset', reset) : t(`conv.end.${String(info.end)}`)
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const has = (...values: unknown[]): boolean => values.every((v) => v !== undefined)
const other = (d: Direction): Direction => (d === 'client' ? 'server' : 'client')

/**
 * What a toxic did (a `fault` record, shared/fault-types.ts), in the UI's language from its
 * effect and numbers. A record without them (written before they were) says it in its English
 * `message`.
 */
export function faultWords(t: Translate, info: Record<string, unknown>): string {
  const message = String(info.message ?? '')
  const effect = info.effect as FaultEffect
  if (!(FAULT_EFFECTS as readonly unknown[]).includes(effect)) return message
  const v = { toxic: String(info.toxic ?? ''), ms: num(info.ms), count: num(info.count), rate: num(info.rate), bytes: num(info.bytes) }
  const key = `marks.faultWhat.${effect}`
  switch (effect) {
    case 'delayed':
    case 'fin-delayed':
    case 'closed':
      return has(v.ms) ? t(key, v) : message
    case 'stopped':
      return v.ms ? t(key, v) : t('marks.faultWhat.stoppedForever')
    case 'sliced':
      return has(v.count) ? t(key, v) : message
    case 'throttled':
      return has(v.rate) ? t(key, v) : message
    case 'limited':
      return has(v.bytes) ? t(key, v) : message
    case 'corrupted':
      return has(v.count, v.bytes) ? t(key, v, v.count) : message
    default:
      return t(key, v)
  }
}

/**
 * What a breakpoint did (a `break` record, shared/break-types.ts), in the UI's language from
 * its action, sizes and time held; what a record does not have the fields for is said in its
 * English `message`.
 */
export function breakWords(t: Translate, info: Record<string, unknown>): string {
  const message = String(info.message ?? '')
  const size = num(info.size)
  const heldMs = num(info.heldMs)
  const summary = typeof info.summary === 'string' && info.summary !== '' ? info.summary : undefined
  const v = {
    rule: String(info.rule ?? ''),
    size: size !== undefined ? formatBytes(size) : undefined,
    held: heldMs !== undefined ? t('marks.seconds', { s: (heldMs / 1000).toFixed(1) }) : undefined,
    summary
  }
  switch (info.action) {
    case 'held':
      if (v.size === undefined || (summary === undefined && message.includes('('))) return message
      return t(summary !== undefined ? 'marks.breakWhat.heldMessage' : 'marks.breakWhat.held', v)
    case 'edited': {
      const sent = num(info.sentSize)
      return has(v.size, v.held, sent) ? t('marks.breakWhat.edited', { ...v, sent: formatBytes(sent!) }) : message
    }
    case 'forwarded':
    case 'timeout':
      return has(v.held) ? t(`marks.breakWhat.${info.action}`, v) : message
    case 'dropped':
      if (info.closedWith === undefined && num(info.stream) !== undefined && has(v.held)) return t('marks.breakWhat.droppedStream', { ...v, stream: num(info.stream) })
      if (info.closedWith === 'fin' || info.closedWith === 'rst') return has(v.held) ? t('marks.breakWhat.droppedClosed', { ...v, how: info.closedWith.toUpperCase() }) : message
      return has(v.held) && !message.includes('closed with') ? t('marks.breakWhat.dropped', v) : message
    case 'closed':
      return t('marks.breakWhat.closed')
    case 'too-big':
      return has(summary) ? t('marks.breakWhat.too-big', { summary, limit: formatBytes(MAX_HELD_MESSAGE) }) : message
    case 'refused': {
      const body = num(info.bodySize)
      const window = num(info.window)
      return has(body, window, num(info.stream)) ? t('marks.breakWhat.refused', { body: formatBytes(body!), window: formatBytes(window!), stream: num(info.stream) }) : message
    }
    default:
      return message
  }
}

/** What changed a message on its way, as the page says it: a rule's act, or a person's edit at a breakpoint. */
export function actWords(t: Translate, info: RuleEventInfo): string {
  if (info.by === 'break') return t('rules.badge.editedName', { label: info.rule })
  return t('rules.mark', { label: info.label, message: ruleWords(t, info) })
}

/**
 * What a traffic rule did (a `rule` record, shared/rules/rule-types.ts), in the UI's language
 * from its action, the message's summary and the answer it delivered; what a record does not
 * have the fields for (a forward's destination, a rewrite's notes) is said in its English
 * `message`.
 */
export function ruleWords(t: Translate, info: RuleEventInfo): string {
  const message = String(info.message ?? '')
  const summary = typeof info.summary === 'string' && info.summary !== '' ? info.summary : undefined
  if (summary === undefined) return message
  switch (info.action) {
    case 'respond': {
      // A server session's rule answers for itself: its record says nothing of a target
      // (core/rules/traffic-deps.ts, inTargetsPlace), and neither do these words.
      const own = !message.includes('not sent to the target')
      const status = deliveredStatus(info)
      if (status !== undefined) return t(own ? 'rules.what.respondOwn' : 'rules.what.respond', { summary, status })
      // A raw message's answer (a redis reply): no status to say.
      return message === `answered ${summary}${own ? '' : ' (not sent to the target)'}` ? t(own ? 'rules.what.answeredOwn' : 'rules.what.answered', { summary }) : message
    }
    case 'rewrite': {
      if (message === `rewrote ${summary}`) return t('rules.what.rewrote', { summary })
      // A response's: `rewrote the response 200 OK to GET /a` (with its notes after a colon, said as they are).
      const response = `rewrote the response ${summary}`
      if (message === response) return t('rules.what.rewroteResponse', { summary })
      const to = message.startsWith(`${response} to `) ? /^(\S+ \S+)$/.exec(message.slice(response.length + 4)) : null
      return to ? t('rules.what.rewroteResponseTo', { summary, request: to[1] }) : message
    }
    case 'delay': {
      // `delayed GET /slow 200 ms` (a delay step's; the script's says "the script delayed").
      const ms = message.startsWith(`delayed ${summary} `) ? /^(\d+) ms$/.exec(message.slice(`delayed ${summary} `.length)) : null
      return ms ? t('rules.what.delay', { summary, ms: ms[1] }) : message
    }
    case 'close':
    case 'reset':
    case 'drop':
    case 'timeout':
      return t(`rules.what.${info.action}`, { summary })
    default:
      return message
  }
}

/**
 * A person's action on the connection (an `action` record), in the UI's language from its
 * action, its `dir` (the direction acted on) and size.
 */
export function actionWords(t: Translate, info: Record<string, unknown>, dir: Direction | undefined): string {
  const message = String(info.message ?? '')
  if (dir === undefined) return message
  switch (info.action) {
    case 'pause':
    case 'resume':
      return t(`marks.actionWhat.${info.action}`, { way: t(`marks.way.${dir}`) })
    case 'inject': {
      // The bytes join `dir`'s direction: they go to the other side.
      const size = num(info.size)
      return size !== undefined ? t('marks.actionWhat.inject', { size: formatBytes(size), to: t(`marks.to.${other(dir)}`) }) : message
    }
    case 'fin':
    case 'rst':
      // `dir` is the direction whose receiver was closed: the FIN or RST went to that receiver.
      return t(`marks.actionWhat.${info.action}`, { to: t(`marks.to.${other(dir)}`), other: t(`marks.to.${dir}`) })
    default:
      return message
  }
}

/** The accessible name of a conversation row: "client → server 38 B at 12:01:03.120". */
export function eventName(t: Translate, e: CaptureEvent, time: string): string {
  if (e.kind === 'data' && e.dir) return t('conv.chunk', { dir: t(`conv.dir.${e.dir}`), size: formatBytes(e.length ?? 0), time })
  return t('conv.event', { what: eventWhat(t, e), time })
}

/** Why a mark happened, from what the engine recorded (an error's message, the close's end); `whole` false for an arrow's label. */
function markWhy(t: Translate, turn: Turn, whole = true): string {
  const info = turn.info ?? {}
  if (turn.kind === 'close' && info.end === 'closed') return ''
  if (turn.kind === 'close' && typeof info.end === 'string') return endWhy(t, info, whole)
  if (typeof info.message === 'string' && info.message) return info.message
  if (typeof info.code === 'string') return info.code
  return ''
}

/** The accessible name of a flow arrow or mark: "client → server 512 B at +3.20 ms". */
export function turnName(t: Translate, turn: Turn): string {
  const at = formatDuration(Math.max(0, turn.at))
  if (turn.kind === 'data') return t('flow.turn', { dir: t(`conv.dir.${turn.dir}`), size: formatBytes(turn.length ?? 0), at })
  const side = turn.dir ? t(`flow.${turn.dir}`) : ''
  if (turn.kind === 'gap') return t('flow.mark.gap', { side, at, size: formatBytes(num(turn.info?.bytes) ?? 0) })
  const why = markWhy(t, turn)
  if (turn.kind === 'close' && !why) return t('flow.mark.closedNormally', { at })
  return t(`flow.mark.${turn.kind}`, { side, at, why })
}

/** The label drawn on a turn's arrow: its size, and its chunks when it has more than one. */
export function turnLabel(t: Translate, turn: Turn): string {
  if (turn.kind !== 'data') {
    const short = t(`flow.short.${turn.kind}`)
    const why =
      turn.kind === 'connect-failed' && typeof turn.info?.code === 'string'
        ? turn.info.code
        : turn.kind === 'close'
          ? markWhy(t, turn, false)
          : turn.kind === 'gap'
            ? formatBytes(num(turn.info?.bytes) ?? 0)
            : ''
    return why ? t('flow.shortWhy', { short, why }) : short
  }
  const size = formatBytes(turn.length ?? 0)
  return (turn.chunks ?? 1) > 1 ? `${size} · ${t('flow.chunks', { n: turn.chunks }, turn.chunks ?? 1)}` : size
}
