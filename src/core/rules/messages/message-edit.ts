// The bytes a rule puts on a raw connection in place of a message: a `respond` step's answer
// (a redis value in RESP2, text, hex, or the body a respond step gives anywhere), and a
// `rewrite.bytes` step's replacements with the message's declared lengths made to fit again
// by its codec (RESP bulk lengths, PostgreSQL's message length, MQTT's Remaining Length), as
// are the bytes a script's onMessage puts there.

import type { Respond, RespValue, TextReplace } from '../../../shared/rules/rule-types'
import type { Direction } from '../../../shared/direction'
import type { MessageCodec } from '../../protocols/messages/message-codec'
import { replaceInBytes } from '../text-replace'
import { respondBody } from '../http-respond'

/** A redis value as RESP2 puts it (RESP2: every redis client reads it, whatever HELLO said). */
export function respBytes(v: RespValue): Buffer {
  const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`
  if ('bulk' in v) return Buffer.from(bulk(v.bulk))
  if ('simple' in v) return Buffer.from(`+${v.simple}\r\n`)
  if ('error' in v) return Buffer.from(`-${v.error}\r\n`)
  if ('integer' in v) return Buffer.from(`:${v.integer}\r\n`)
  if ('null' in v) return Buffer.from('$-1\r\n')
  return Buffer.from(`*${v.array.length}\r\n${v.array.map(bulk).join('')}`)
}

/** What a respond step answers a message with. */
export async function messageAnswer(r: Respond, baseDir: string | undefined): Promise<Buffer> {
  if (r.resp !== undefined) return respBytes(r.resp)
  return (await respondBody(r, baseDir)).body
}

/**
 * `message` with every replacement made (over its bytes read as Latin-1: a plain `find` is
 * its UTF-8; a regex reads one character a byte, as the message matcher's `regex` does), then
 * refit by its codec. Unchanged: the same buffer. An edit the codec cannot make one message of
 * is an error, and the message goes as it came.
 */
export function rewriteBytes(message: Buffer, replaces: readonly TextReplace[], codec: MessageCodec | undefined, dir: Direction): Buffer | { error: string } {
  const edited = replaceInBytes(message, replaces)
  return edited === message ? message : refitBytes(edited, codec, dir)
}

/**
 * Bytes put in a message's place (a rewrite, a script's change) with the lengths they declare
 * made to fit what they hold, by the codec (RESP bulk lengths, PostgreSQL's message length,
 * MQTT's Remaining Length); an error when the codec cannot make one message of them.
 */
export function refitBytes(edited: Uint8Array, codec: MessageCodec | undefined, dir: Direction): Buffer | { error: string } {
  const out = codec?.refit === undefined ? edited : codec.refit(dir, edited)
  if (!(out instanceof Uint8Array)) return out
  return Buffer.isBuffer(out) ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength)
}
