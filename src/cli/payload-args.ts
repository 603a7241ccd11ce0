// The payload options shared by `serve` and `connect` (--send/--send-hex/--send-file,
// --encoding, --eol, --checksum) and the --reply MATCH=>REPLY rule syntax.

import { CHECKSUM_KINDS } from '../shared/payload/checksums'
import { LINE_ENDINGS, TEXT_ENCODINGS, type PayloadSpec } from '../shared/payload/payload-spec'
import { MATCH_MODES, type MatchMode, type ReplyRule } from '../shared/session-types'
import { ENCODINGS } from '../shared/text-encodings'
import { oneOfFlag, UsageError } from './args'

export const PAYLOAD_OPTIONS = {
  send: { type: 'string', arg: 'TEXT', about: 'text to send, in --encoding, with escapes \\r \\n \\t \\0 \\xHH \\\\' },
  'send-hex': { type: 'string', arg: 'HEX', about: 'bytes to send as hex; spaces, commas and 0x are allowed' },
  'send-file': { type: 'string', arg: 'FILE', about: "a file's bytes to send" },
  encoding: {
    type: 'string',
    arg: 'ENC',
    about: `${ENCODINGS.join(', ')} (utf8 by default): how text is sent and how received bytes are shown; base64 for what is sent only`
  },
  eol: { type: 'string', arg: 'none|lf|crlf', about: 'a line ending added after each payload (default none)' },
  checksum: { type: 'string', arg: 'sum8|xor8|crc16-modbus|crc32', about: "the payload's checksum, added after it (before the line ending)" }
} as const

export interface PayloadValues {
  send?: string
  'send-hex'?: string
  'send-file'?: string
  encoding?: string
  eol?: string
  checksum?: string
}

export function textEncoding(command: string, v: string | undefined) {
  return oneOfFlag(command, v, '--encoding', TEXT_ENCODINGS)
}

/** The payload the options describe, or undefined when none of --send* is given. */
export function payloadFrom(command: string, v: PayloadValues): PayloadSpec | undefined {
  const given = (['send', 'send-hex', 'send-file'] as const).filter((k) => v[k] !== undefined)
  if (given.length > 1) throw new UsageError(`${command}: give one of --send, --send-hex, --send-file, not ${given.map((g) => '--' + g).join(' and ')}`)
  const extras = {
    encoding: textEncoding(command, v.encoding),
    eol: oneOfFlag(command, v.eol, '--eol', LINE_ENDINGS),
    checksum: oneOfFlag(command, v.checksum, '--checksum', CHECKSUM_KINDS)
  }
  if (given.length === 0) return undefined
  const spec: PayloadSpec =
    v.send !== undefined
      ? { kind: 'text', data: v.send }
      : v['send-hex'] !== undefined
        ? { kind: 'hex', data: v['send-hex'] }
        : { kind: 'file', data: v['send-file']! }
  for (const [k, val] of Object.entries(extras)) if (val !== undefined) (spec as Record<string, unknown>)[k] = val
  return spec
}

/** `TEXT`, `hex:HEX` or `@FILE`: the reply half of --reply, and --http-body. */
export function payloadWord(word: string, encoding?: PayloadSpec['encoding']): PayloadSpec {
  if (word.startsWith('hex:')) return { kind: 'hex', data: word.slice(4) }
  if (word.startsWith('@')) return { kind: 'file', data: word.slice(1) }
  return encoding ? { kind: 'text', data: word, encoding } : { kind: 'text', data: word }
}

const MODE_PREFIX: Record<string, MatchMode> = { 're:': 'regex', 'regex:': 'regex' }
for (const m of MATCH_MODES) MODE_PREFIX[`${m}:`] = m

/**
 * `--reply MATCH=>REPLY`. MATCH may start with a mode (`exact:`, `contains:` (default),
 * `starts:`, `ends:`, `re:`) and then `hex:`; REPLY is text (escapes allowed, `$1` from a
 * regex), `hex:...` or `@file`.
 */
export function parseReplyRule(spec: string, encoding?: PayloadSpec['encoding']): ReplyRule {
  const arrow = spec.indexOf('=>')
  if (arrow < 0) throw new UsageError(`serve: --reply "${spec}" needs MATCH=>REPLY, e.g. --reply 'PING=>PONG\\r\\n'`)
  let match = spec.slice(0, arrow)
  let mode: MatchMode = 'contains'
  const prefix = Object.keys(MODE_PREFIX).find((p) => match.startsWith(p))
  if (prefix) {
    mode = MODE_PREFIX[prefix]
    match = match.slice(prefix.length)
  }
  let format: 'text' | 'hex' = 'text'
  if (match.startsWith('hex:')) {
    format = 'hex'
    match = match.slice(4)
  }
  const textEnc = encoding === 'base64' ? undefined : encoding
  return {
    match: mode,
    pattern: match,
    format,
    ...(textEnc ? { encoding: textEnc } : {}),
    reply: payloadWord(spec.slice(arrow + 2), encoding)
  }
}
