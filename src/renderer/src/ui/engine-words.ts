// The engine words its errors in English, one line each (what went wrong and how to fix it),
// and a capture keeps them so (a failed connect's reason). The Chinese UI says the ones a
// person meets most in Chinese: each wording below is one of the engine's (the test beside
// the engine, test/core/front/engine-words.test.ts, holds the table to its real errors), and
// names the message that says it, with the parts the engine named (an address, a port, a
// path). A wording after a field's name (`target: bad address …`) keeps the name. A filter's
// several mistakes in one line (shared/filter-mistakes.ts) are said one by one. Any other
// error, and every error in English, is shown as the engine said it.

import { splitMistakes } from '../../../shared/filter-mistakes'

type Translate = (key: string, params: Record<string, unknown>) => string

const WORDINGS: ReadonlyArray<[RegExp, string]> = [
  [/^cannot listen on (?<where>.+): the port is already in use; stop the other program or pick another port \(0 = any free port\)$/, 'portInUse'],
  [/^cannot listen on (?<where>.+): the socket path is in use by a running program; pick another path$/, 'socketInUse'],
  [/^cannot listen on (?<where>.+): permission denied; ports below 1024 need root, so use a port from 1024 up \(or a writable socket path\)$/, 'lowPort'],
  [/^cannot listen on (?<where>.+): that address is not on this machine; use 127\.0\.0\.1, 0\.0\.0\.0 or one of its addresses$/, 'notHere'],
  [/^cannot listen on (?<where>.+): its folder does not exist$/, 'noFolder'],
  [/^unknown host in (?<where>.+): the name does not resolve; check the spelling or use an IP address$/, 'unknownHost'],
  [/^connection refused by (?<where>.+): nothing is listening there; is the server running\?$/, 'refused'],
  [/^timed out connecting to (?<where>.+): the host did not answer$/, 'timedOut'],
  [/^cannot reach (?<where>.+): no route to that host$/, 'noRoute'],
  [/^cannot connect to (?<where>.+): no such socket file; is the server running\?$/, 'noSocket'],
  [/^bad port in "(?<input>.*)": use a number from 0 to 65535$/, 'badPort'],
  [/^bad port in "(?<input>.*)": connect to a port from 1 to 65535 \(0 only means "any" when listening\)$/, 'portZero'],
  [/^bad address "(?<input>.*)": give HOST:PORT \(e\.g\. 127\.0\.0\.1:6379\) or a socket path$/, 'badAddress'],
  [/^bad address "(?<input>.*)": the host is missing before ":"$/, 'noHost'],
  [/^bad hex digit "(?<digit>.+)" at position (?<at>\d+): use 0-9 and a-f \(spaces and 0x are allowed\)$/, 'badHex'],
  [/^no such file: (?<path>.+)$/, 'noFile'],
  [/^(?<path>.+) is not a tcpscope capture file \(no TCPSCAP header\)$/, 'notCapture'],
  [/^filter status:(?<value>.*): use a status code, a class or a range, e\.g\. status:404, status:4xx or status:200-299$/, 'badStatus'],
  [/^unknown filter word "(?<word>.*):": did you mean (?<near>\w+):\?$/, 'unknownWordNear'],
  [/^unknown filter word "(?<word>.*):": use (?<words>.+) or plain text$/, 'unknownWord'],
  [/^(?<what>[\w.]+) failed: internal error \(details are in tcpscope's log\)$/, 'internal'],
  [/^cancelled$/, 'cancelled']
]

/** A field's name before the engine's wording: `target: …`, `--listen: …`, `interval.payload: …`. */
const FIELD = /^(--?[\w-]+|[\w.[\]]+): (.+)$/

function wording(message: string, t: Translate): string | undefined {
  for (const [re, key] of WORDINGS) {
    const m = re.exec(message)
    if (m === null) continue
    const id = `engineWords.${key}`
    const said = t(id, { ...m.groups })
    // No message of that name in this language (English): the engine's own words.
    return said === id ? undefined : said
  }
  return undefined
}

/** A filter's several mistakes, each in the UI's language where its wording is known; undefined in English (the engine's words). */
function mistakes(message: string, t: Translate): string | undefined {
  const several = splitMistakes(message)
  if (several === undefined) return undefined
  const id = 'engineWords.mistakes'
  const named = several.named.map((m, i) => t('engineWords.mistake', { n: i + 1, text: engineWords(m, t) }))
  if (several.more > 0) named.push(t('engineWords.moreMistakes', { more: several.more }))
  const said = t(id, { count: several.count, list: named.join(t('engineWords.mistakesJoin', {})) })
  return said === id ? undefined : said
}

/** `message` (an engine error, or a recorded reason) in the UI's language where its wording is known; else as it is. */
export function engineWords(message: string, t: Translate): string {
  const whole = wording(message, t) ?? mistakes(message, t)
  if (whole !== undefined) return whole
  const field = FIELD.exec(message)
  const rest = field === null ? undefined : wording(field[2], t)
  return rest === undefined ? message : `${field![1]}: ${rest}`
}
