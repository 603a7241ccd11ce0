// A rewrite's replacements (rule-types.ts TextReplace) made on text, or on bytes read as
// Latin-1 (one character a byte, so binary content survives and a plain `find` is its UTF-8).
// Regexes run on RE2 (core/regex): whatever a body holds, a replace cannot freeze the proxy.

import type { TextReplace } from '../../shared/rules/rule-types'
import { compileUserRegex } from '../regex/user-regex'

/** Every occurrence of `find` (a regex with `regex`, `$1`.. for its groups) replaced by `by`. */
export function replaceText(text: string, find: string, by: string, regex: boolean): string {
  if (!regex) return text.split(find).join(by)
  const re = compileUserRegex(find)
  let out = ''
  let at = 0
  for (const m of re.all(text)) {
    out += text.slice(at, m.start) + by.replace(/\$(\d)/g, (_, d: string) => m.groups[Number(d) - 1] ?? '')
    at = m.end
  }
  return out + text.slice(at)
}

/** Every replacement made on `text`, in order. */
export const replaceAll = (text: string, replaces: readonly TextReplace[]): string => replaces.reduce((t, r) => replaceText(t, r.find, r.with, r.regex === true), text)

/** Text as the bytes of its UTF-8, one character a byte, so it finds itself in bytes read as Latin-1. */
const asBytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1')

/**
 * Every replacement made over `bytes` read as Latin-1 (a plain `find` and every `with` are
 * their UTF-8; a regex reads one character a byte, as the message matcher's `regex` does).
 * Unchanged: the same buffer.
 */
export function replaceInBytes(bytes: Buffer, replaces: readonly TextReplace[]): Buffer {
  const before = bytes.toString('latin1')
  let text = before
  for (const r of replaces) text = replaceText(text, r.regex === true ? r.find : asBytes(r.find), asBytes(r.with), r.regex === true)
  return text === before ? bytes : Buffer.from(text, 'latin1')
}
