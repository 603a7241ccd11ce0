// The answers tcpscope makes itself when a rule cannot reach anyone: no rule answers a mock
// server's request (404), or the target cannot be reached or a forward failed (502).

export const NOT_FOUND = Buffer.from('HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 31\r\n\r\nno rule answers this request.\r\n', 'latin1')

/** The body of a 502 (HTTP/1 or HTTP/2) saying why the request could not go on. */
export const cannotForward = (why: string): Buffer => Buffer.from(`tcpscope could not forward the request: ${why}\n`)

/** A 502 saying why; with `close`, the connection ends after it. */
export function badGateway(why: string, close = false): Buffer {
  const body = cannotForward(why)
  return Buffer.concat([Buffer.from(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: ${close ? 'close' : 'keep-alive'}\r\n\r\n`, 'latin1'), body])
}
