// How the page in web mode reaches its engine: the WebSocket's path, and the subprotocols
// it offers. The token travels as one of them, so it goes only where the page itself sends
// it: never in a cookie (sent to every port of the host), a URL or a Referer.

export const WS_PATH = '/ws'
/** The protocol the server picks: the token's own entry is never echoed back. */
export const WS_PROTOCOL = 'tcpscope'
/** `tcpscope.token.<token>`: the token is base64url, all of it valid in a subprotocol name. */
export const WS_TOKEN_PREFIX = 'tcpscope.token.'

/** The subprotocols a front end offers to be let in with `token`. */
export function webSocketProtocols(token: string): string[] {
  return [WS_PROTOCOL, WS_TOKEN_PREFIX + token]
}
