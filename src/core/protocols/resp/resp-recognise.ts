// Whether a connection is redis, from either side's first bytes, whatever its port: a
// client's RESP command (an array of bulk strings, which nothing else begins with), or a
// person's or `redis-cli --pipe`'s inline command (a line of words) that the server answered
// in RESP. An inline line waits for that answer: IRC's `PING :server` or a chat's `PING
// hello` to an echo server is a line of redis's words too, and only the answer tells. A
// server that answers in words of its own (an echo, SMTP's and FTP's `220`, memcached's
// `STORED`, POP3's `+OK POP3 ready`) says it is not redis; so does an HTTP request line.
// When nothing more will come (the stream ended, or enough bytes were seen) and the server
// never answered, a line whose first word is a redis command with as many words as it takes
// is taken as redis.

import { latin1 } from '../http1/bytes'
import { isRedisCommand } from './resp-commands'

/** An inline line longer than this is not waited for: redis's own inline limit is 64 KiB, but a line this long is no one's first command. */
const LINE_MAX = 512
/** A reply's first line, at most, looked at (an error names the command and its first arguments, each cut at 128 bytes). */
const REPLY_LINE_MAX = 512
/** One word of an inline command as redis splits it (sdssplitargs): quoted with its escapes, or up to a space. */
const INLINE_WORD = /"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\S+/g
const COMMAND_WORD = /^[A-Za-z][A-Za-z0-9_.|:-]*$/
const HTTP_REQUEST_LINE = /^\S+ \S+ HTTP\/\d(\.\d)?$/i
/** A reply's first line, by its type byte: a simple string is one word (a greeting has several), an error starts with its code in capitals. */
const REPLY_LINE: Record<string, RegExp> = {
  '+': /^\+\S*$/,
  '-': /^-[A-Z][A-Z_]*( .*)?$/,
  ':': /^:-?\d+$/,
  '(': /^\(-?\d+$/,
  ',': /^,[-+.\deEinfa]+$/,
  '#': /^#[tf]$/,
  _: /^_$/
}
const COUNTED = new Set('$*%~>=!|'.split(''))

/**
 * What a client's first bytes (and its server's, when it has answered) say: `true` redis,
 * `false` not, `undefined` while nothing tells (a line not ended yet, an inline line the
 * server has not answered, a server that spoke with no client bytes yet: redis never speaks
 * first, so its port decides). `final`: no more bytes will come to tell.
 */
export function recogniseResp(client: Uint8Array, server: Uint8Array = new Uint8Array(0), final = false): boolean | undefined {
  if (client.length === 0) return undefined
  if (client[0] === 0x2a) return respArrayStart(client)
  const words = inlineWords(client)
  if (words === false || words === undefined) return words
  const answer = replyStart(server)
  if (answer !== undefined) return answer
  return final && isRedisCommand(words) ? true : undefined
}

/** A RESP array's header and the `$` of its first bulk string (`*2\r\n$3\r\nGET`). */
function respArrayStart(client: Uint8Array): boolean | undefined {
  let i = 1
  while (i < client.length && client[i] >= 0x30 && client[i] <= 0x39 && i < 9) i++
  if (i === 1) return i < client.length ? false : undefined
  if (i >= client.length) return undefined
  if (client[i] !== 13) return false
  if (i + 1 >= client.length) return undefined
  if (client[i + 1] !== 10) return false
  if (i + 2 >= client.length) return undefined
  return client[i + 2] === 0x24
}

/** The words of the client's first line (ending LF or CRLF), `false` when it is no line of words, undefined while it has not ended. */
function inlineWords(client: Uint8Array): string[] | false | undefined {
  const n = Math.min(client.length, LINE_MAX)
  let end = -1
  for (let i = 0; i < n; i++) {
    const b = client[i]
    if (b === 10) {
      end = i
      break
    }
    if (b === 13 && i + 1 >= client.length) return undefined
    // Printable text (UTF-8's bytes too), tabs, and a CR only just before the LF.
    if ((b < 0x20 && b !== 9 && !(b === 13 && client[i + 1] === 10)) || b === 0x7f) return false
  }
  // No line within LINE_MAX is no command, whatever its first word: told without making a
  // string of it (every raw connection's first bytes are looked at here, 100,000 in a file).
  if (end < 0 && client.length >= LINE_MAX) return false
  const first = latin1(client, 0, end < 0 ? n : end).replace(/\r$/, '')
  const lead = /^\S*/.exec(first)![0]
  if (lead !== '' && !COMMAND_WORD.test(lead)) return false
  if (end < 0) return undefined
  if (lead === '' || HTTP_REQUEST_LINE.test(first)) return false
  return first.match(INLINE_WORD) ?? []
}

/** Whether the server's first bytes begin a RESP reply: `undefined` when it has said nothing yet (or not a whole line). */
function replyStart(server: Uint8Array): boolean | undefined {
  if (server.length === 0) return undefined
  const text = latin1(server, 0, Math.min(server.length, REPLY_LINE_MAX + 2))
  const type = text[0]
  const shape = REPLY_LINE[type] ?? (COUNTED.has(type) ? /^.-?\d+$/ : undefined)
  if (!shape) return false
  const eol = text.indexOf('\r\n')
  if (eol < 0) return server.length > REPLY_LINE_MAX ? false : undefined
  return shape.test(text.slice(0, eol))
}
