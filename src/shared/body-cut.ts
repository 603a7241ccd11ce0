// A body whose decoding was stopped short, as data and as the one sentence every front end
// says about it (the HTTP view, HAR's comment, the CLI): decoding stops at the body limit
// (DEFAULT_BODY_LIMIT unless asked otherwise) or, earlier, when the content expands past
// BODY_RATIO_MAX to 1 (limits.ts).

import { BODY_RATIO_MAX } from './limits'
import { formatBytes } from './human-readable'

export interface BodyCut {
  /** `limit`: the body decodes to more than the limit; `ratio`: it expanded past BODY_RATIO_MAX:1. */
  reason: 'limit' | 'ratio'
  /** What is shown or written: the first `kept` bytes of the decoded body. */
  kept: number
  /**
   * Decoded bytes seen before decoding stopped: a lower bound of the body's decoded size
   * (more than `limit` when the limit stopped it; the body may end right there after a ratio stop).
   */
  decoded: number
  /** The limit in force. */
  limit: number
  /** Bytes of the content as sent (chunk framing removed) decoding took in to give `decoded`. */
  consumed: number
  /** The content's size as sent (chunk framing removed), when known. */
  sentSize?: number
  /** The content codings being undone, in Content-Encoding order; empty for a body sent as it is. */
  codings: string[]
}

/** A size as people say it: `64 MiB`, `2.03 MiB`, `512 KiB`. */
const size = (n: number): string => formatBytes(n).replace(/\.0+ /, ' ')

/** A ratio rounded down to two significant digits, so that "over" holds: 1031 reads 1000, 5.78 reads 5.7. */
function ratioText(decoded: number, consumed: number): string {
  const r = decoded / Math.max(1, consumed)
  const step = 10 ** (Math.floor(Math.log10(r)) - 1)
  const floored = Math.floor(r / step) * step
  return floored >= 10 ? String(Math.round(floored)) : String(Number(floored.toPrecision(2)))
}

/**
 * The sentence for a cut body, e.g. "decoded 64 MiB of more than 64 MiB (gzip 2.03 MiB,
 * ratio over 1000:1); showing the first 64 MiB".
 */
export function bodyCutNote(cut: BodyCut): string {
  const showing = `showing the first ${size(cut.kept)}`
  if (cut.codings.length === 0) {
    const whole = cut.sentSize !== undefined && cut.sentSize > cut.limit ? `${size(cut.sentSize)}, ` : ''
    return `the body is ${whole}more than the ${size(cut.limit)} limit; ${showing}`
  }
  const sent = `${cut.codings.join(', ')}${cut.sentSize === undefined ? '' : ` ${size(cut.sentSize)}`}`
  const ratio = `ratio over ${ratioText(cut.decoded, cut.consumed)}:1`
  if (cut.reason === 'ratio') return `stopped decoding at ${size(cut.kept)}: it expands ${ratio.slice(6)} (${sent}), past the ${BODY_RATIO_MAX}:1 allowed; ${showing}`
  return `decoded ${size(cut.kept)} of more than ${size(cut.limit)} (${sent}, ${ratio}); ${showing}`
}
