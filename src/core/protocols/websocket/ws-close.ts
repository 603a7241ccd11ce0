// A close frame's payload (RFC 6455 section 5.5.1): a status code, then a UTF-8 reason.
// What a peer may not send there is named, with where it is in the payload.

export interface ClosePayload {
  code?: number
  reason?: string
  /** What is wrong with it, and where in the payload. */
  problem?: { message: string; at: number }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
const lenientUtf8 = new TextDecoder('utf-8')

// RFC 6455 section 7.4 with IANA's registry: 1004 is reserved, and 1005, 1006 and 1015 stand
// for "no code", "no close frame" and "TLS failed", which only an API reports, never the wire.
function isSendableCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999)
}

export function readClosePayload(payload: Uint8Array): ClosePayload {
  if (payload.length === 0) return {}
  if (payload.length === 1) return { problem: { message: 'a close frame with a 1-byte payload: a status code takes 2 bytes', at: 0 } }
  const code = (payload[0] << 8) | payload[1]
  const reasonBytes = payload.subarray(2)
  const reason = lenientUtf8.decode(reasonBytes)
  if (!isSendableCode(code)) return { code, reason, problem: { message: `close code ${code} may not be sent`, at: 0 } }
  try {
    strictUtf8.decode(reasonBytes)
  } catch {
    return { code, reason, problem: { message: 'the close reason is not valid UTF-8', at: 2 } }
  }
  return { code, reason }
}
