// What the conversation and the flow diagram say about an event or a turn, in words: the
// accessible names of their rows and arrows, and the short labels drawn beside them. One
// place, so the conversation and the flow never describe the same thing two ways.

import type { CaptureEvent, Turn } from '../../../../shared/capture-types'
import { formatBytes, formatDuration } from '../../../../shared/human-readable'

/** vue-i18n's `t`, as these helpers use it. */
export type Translate = (key: string, values?: Record<string, unknown>, plural?: number) => string

/** `+3.20 ms`: a time since something, signed so it reads as an offset; the moment itself is `+0`. */
export const since = (ms: number): string => (ms > 0 ? `+${formatDuration(ms)}` : '+0')

/** What a non-data event says, e.g. "server reset the connection (RST)" or "connect failed: ECONNREFUSED …". */
export function eventWhat(t: Translate, e: CaptureEvent): string {
  const info = e.info ?? {}
  // What tcpscope did to the connection, in its record's own words: cause beside effect.
  if (e.kind === 'fault') return t('marks.fault', { toxic: String(info.toxic ?? ''), message: String(info.message ?? '') })
  if (e.kind === 'break') return t('marks.break', { rule: String(info.rule ?? ''), message: String(info.message ?? '') })
  if (e.kind === 'action') return t('marks.action', { message: String(info.message ?? '') })
  const side = e.dir ? t(`conv.side.${e.dir}`) : ''
  const what = t(`conv.what.${e.kind}`, { side })
  // A plain close is said once ("closed normally"), not as "closed: closed".
  if (e.kind === 'close' && info.end === 'closed') return t('conv.closedNormally')
  if (e.kind === 'close' && typeof info.end === 'string') return t('conv.whatWhy', { what, why: t(`conv.end.${info.end}`) })
  if ((e.kind === 'connect-failed' || e.kind === 'error') && typeof info.message === 'string') return t('conv.whatWhy', { what, why: info.message })
  return what
}

/** The accessible name of a conversation row: "client → server 38 B at 12:01:03.120". */
export function eventName(t: Translate, e: CaptureEvent, time: string): string {
  if (e.kind === 'data' && e.dir) return t('conv.chunk', { dir: t(`conv.dir.${e.dir}`), size: formatBytes(e.length ?? 0), time })
  return t('conv.event', { what: eventWhat(t, e), time })
}

/** Why a mark happened, from what the engine recorded (an error's message, the close's end). */
function markWhy(t: Translate, turn: Turn): string {
  const info = turn.info ?? {}
  if (turn.kind === 'close' && info.end === 'closed') return ''
  if (turn.kind === 'close' && typeof info.end === 'string') return t(`conv.end.${info.end}`)
  if (typeof info.message === 'string' && info.message) return info.message
  if (typeof info.code === 'string') return info.code
  return ''
}

/** The accessible name of a flow arrow or mark: "client → server 512 B at +3.20 ms". */
export function turnName(t: Translate, turn: Turn): string {
  const at = formatDuration(Math.max(0, turn.at))
  if (turn.kind === 'data') return t('flow.turn', { dir: t(`conv.dir.${turn.dir}`), size: formatBytes(turn.length ?? 0), at })
  const side = turn.dir ? t(`flow.${turn.dir}`) : ''
  const why = markWhy(t, turn)
  if (turn.kind === 'close' && !why) return t('flow.mark.closedNormally', { at })
  return t(`flow.mark.${turn.kind}`, { side, at, why })
}

/** The label drawn on a turn's arrow: its size, and its chunks when it has more than one. */
export function turnLabel(t: Translate, turn: Turn): string {
  if (turn.kind !== 'data') {
    const short = t(`flow.short.${turn.kind}`)
    const why = turn.kind === 'connect-failed' && typeof turn.info?.code === 'string' ? turn.info.code : turn.kind === 'close' ? markWhy(t, turn) : ''
    return why ? t('flow.shortWhy', { short, why }) : short
  }
  const size = formatBytes(turn.length ?? 0)
  return (turn.chunks ?? 1) > 1 ? `${size} · ${t('flow.chunks', { n: turn.chunks }, turn.chunks ?? 1)}` : size
}
