// An edited HTTP message's Content-Length, made to fit its body: a person who changes
// `PASS` to `FAILED` in a held request means the longer body to arrive whole, not cut at
// the old length (or waited for by a server expecting more).

import { findBlankLine } from '../protocols/http1/head-boundary'

const HEADER_LINE = /^([^:\r\n]+):[ \t]*([^\r\n]*?)[ \t]*(\r?)$/

/**
 * The message with every Content-Length set to its body's length (one added after the last
 * header when there is none and the body is not empty). A chunked body carries its length
 * in its framing, and bytes with no whole head are not a message: both are left as they are.
 */
export function fitContentLength(message: Buffer): Buffer {
  const end = findBlankLine(message, 0, true)
  if (end < 0) return message
  const head = message.subarray(0, end).toString('latin1')
  const bodyLength = message.length - end
  const lines = head.split('\n')
  let found = false
  for (let i = 1; i < lines.length; i++) {
    const m = HEADER_LINE.exec(lines[i])
    if (m === null) continue
    const name = m[1].toLowerCase()
    if (name === 'transfer-encoding' && /(^|,)\s*chunked\s*$/i.test(m[2])) return message
    if (name !== 'content-length') continue
    found = true
    lines[i] = `${m[1]}: ${bodyLength}${m[3]}`
  }
  if (!found) {
    if (bodyLength === 0) return message
    // The blank line is the last element but one ('' after its LF); the new header goes before it.
    const crlf = lines[0].endsWith('\r') ? '\r' : ''
    lines.splice(lines.length - 2, 0, `Content-Length: ${bodyLength}${crlf}`)
  }
  return Buffer.concat([Buffer.from(lines.join('\n'), 'latin1'), message.subarray(end)])
}
