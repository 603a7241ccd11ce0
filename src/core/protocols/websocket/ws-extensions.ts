// What a 101 response agreed about permessage-deflate (RFC 7692 section 7.1), read from its
// Sec-WebSocket-Extensions value: whether each side keeps its compression context between
// messages, and the window sizes.

export interface WsDeflateParams {
  serverNoContextTakeover: boolean
  clientNoContextTakeover: boolean
  serverMaxWindowBits: number
  clientMaxWindowBits: number
}

const DEFAULT_WINDOW_BITS = 15

/** Parses a 101 response's Sec-WebSocket-Extensions value; undefined when permessage-deflate was not agreed. */
export function parseWsExtensions(value: string | undefined): WsDeflateParams | undefined {
  if (value === undefined) return undefined
  // A server answers with the one offer it accepted; should it list more, the first permessage-deflate is the one in use.
  for (const extension of value.split(',')) {
    const [name, ...params] = extension.split(';').map((part) => part.trim())
    if (name.toLowerCase() !== 'permessage-deflate') continue
    const agreed: WsDeflateParams = {
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: DEFAULT_WINDOW_BITS,
      clientMaxWindowBits: DEFAULT_WINDOW_BITS
    }
    for (const param of params) {
      const eq = param.indexOf('=')
      const key = (eq < 0 ? param : param.slice(0, eq)).trim().toLowerCase()
      const raw = eq < 0 ? undefined : param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
      if (key === 'server_no_context_takeover') agreed.serverNoContextTakeover = true
      else if (key === 'client_no_context_takeover') agreed.clientNoContextTakeover = true
      else if (key === 'server_max_window_bits') agreed.serverMaxWindowBits = windowBits(raw)
      else if (key === 'client_max_window_bits') agreed.clientMaxWindowBits = windowBits(raw)
    }
    return agreed
  }
  return undefined
}

// RFC 7692 allows 8 to 15; anything else is the default, which decodes whatever the sender did.
function windowBits(raw: string | undefined): number {
  const bits = raw !== undefined && /^\d{1,2}$/.test(raw) ? Number(raw) : DEFAULT_WINDOW_BITS
  return bits >= 8 && bits <= 15 ? bits : DEFAULT_WINDOW_BITS
}
