// Compiling and running a regular expression a user typed (find, reply rules, expect,
// sequences). Every user regex goes through here, so none can freeze the engine's thread.
//
// Why RE2 (re2js): V8's RegExp backtracks, and `^(a+)+$` over 1 MiB of 'a' held the engine
// for 4.4 s. RE2 runs in time linear in the input (times the size of the pattern). Of its two
// JavaScript packages, re2js is pure JavaScript: it behaves the same in Node 20 (CLI, web
// mode) and in Electron's Node, and needs no compiler or per-ABI build, which the native `re2`
// binding does. Measured here: a boolean test (its lazy DFA) over 1 MiB takes 1-20 ms even for
// `^(a+)+$`; finding where a match is (its NFA) costs about 60 ns per byte per live state, so
// patterns are capped at MAX_PROGRAM instructions and callers run finds over bounded windows.
//
// The syntax is JavaScript's where RE2 has the same feature (groups, named groups, classes,
// \d \w \s \b, {n,m} up to 1000, lazy quantifiers, \uXXXX and \u{X}, lookbehind without
// captures). Backreferences, lookahead and atomic groups cannot run in linear time; they are
// refused with one line that says so instead of silently matching something else.

import { RE2JS, RE2JSException, RE2JSSyntaxException } from 're2js'
import { ERROR_CODES } from '../../shared/errors'
import { UserError } from '../net/net-errors'

/**
 * Most instructions a pattern may compile to. Finding a match costs time per byte per live
 * instruction: `(?:.*a){100}` (302) takes 3 s over 320 KiB, so a 2000-instruction pattern
 * could hold the thread for far longer. `.{0,200}x` (about 400) still fits.
 */
const MAX_PROGRAM = 1000

export interface RegexMatch {
  /** Where the match starts and ends: bytes for a byte subject, UTF-16 units for a string. */
  start: number
  end: number
  text: string
  /** Groups 1..n ('' for a group that did not take part). */
  groups: string[]
}

export interface UserRegex {
  readonly source: string
  /** Whether it matches anywhere (the fast path: no positions, no groups). */
  test(subject: string | Uint8Array): boolean
  /**
   * The first match at or after `from`, or null. What comes before `from` is context: `^`
   * does not match at `from` > 0, and `\b` looks at the character before it.
   */
  first(subject: string | Uint8Array, from?: number): RegexMatch | null
  /** Every non-empty match at or after `from`, left to right. */
  all(subject: string | Uint8Array, from?: number): RegexMatch[]
}

const unsupported = (source: string, what: string, fix: string): UserError =>
  new UserError(
    `/${source}/ uses ${what}, which tcpscope's regular expressions do not support: they run on RE2, which takes time linear in the input so that no pattern can freeze the engine; ${fix}`,
    ERROR_CODES.EINVAL
  )

/**
 * Refuses what RE2 cannot run, naming it, and rewrites JavaScript's \uXXXX and \u{X} into
 * RE2's \x{X}. Left to RE2's parser, `\1` would read "invalid escape sequence".
 */
function toRe2Syntax(source: string): string {
  let out = ''
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') {
      const next = source[i + 1] ?? ''
      if (!inClass && /[1-9]/.test(next)) throw unsupported(source, `a backreference (\\${next})`, 'match the repeated text itself, or capture it and compare afterwards')
      if (!inClass && next === 'k' && source[i + 2] === '<') throw unsupported(source, 'a named backreference (\\k<...>)', 'match the repeated text itself')
      const hex = next === 'u' ? /^u(?:\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{4}))/.exec(source.slice(i + 1)) : null
      if (hex) {
        out += `\\x{${hex[1] ?? hex[2]}}`
        i += hex[0].length
        continue
      }
      out += c + next
      i++
      continue
    }
    if (inClass) {
      if (c === ']') inClass = false
    } else if (c === '[') {
      inClass = true
      out += c
      // A ']' first in a class is a literal in RE2 (as in POSIX), not its end.
      if (source[i + 1] === '^') out += source[++i]
      if (source[i + 1] === ']') out += source[++i]
      continue
    } else if (c === '(' && source[i + 1] === '?') {
      const kind = source.slice(i + 2, i + 3)
      if (kind === '=' || kind === '!') throw unsupported(source, `a lookahead (?${kind}...)`, 'match the text that follows as part of the pattern, or use a lookbehind (?<=...) on the next pattern')
      if (kind === '>') throw unsupported(source, 'an atomic group (?>...)', 'use a plain group (...)')
    }
    out += c
  }
  return out
}

function syntaxMessage(source: string, err: unknown): string {
  if (err instanceof RE2JSSyntaxException) {
    const what = err.getDescription()
    if (what === 'invalid repeat count') return `bad regular expression /${source}/: invalid repeat count ${err.input ?? ''} (RE2 allows at most 1000, and min <= max)`
    if (what === 'invalid capture in lookbehind') return `bad regular expression /${source}/: a lookbehind cannot hold a capturing group; write (?:...) inside it`
    return `bad regular expression /${source}/: ${what}${err.input ? `: ${err.input}` : ''}`
  }
  return `bad regular expression /${source}/: ${err instanceof Error ? err.message : String(err)}`
}

/** Compiles a user's regex; a pattern RE2 cannot run throws a one-line UserError saying why. */
export function compileUserRegex(source: string, opts: { caseInsensitive?: boolean } = {}): UserRegex {
  let re: RE2JS
  try {
    re = RE2JS.compile(toRe2Syntax(source), RE2JS.LOOKBEHINDS | (opts.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0))
  } catch (err) {
    if (err instanceof UserError) throw err
    if (err instanceof RE2JSException) throw new UserError(syntaxMessage(source, err), ERROR_CODES.EINVAL)
    throw err
  }
  if (re.programSize() > MAX_PROGRAM) {
    throw new UserError(
      `regular expression /${source}/ is too large (${re.programSize()} steps; at most ${MAX_PROGRAM}): use smaller repeat counts`,
      ERROR_CODES.EINVAL
    )
  }
  const groupCount = re.groupCount()
  const matchOf = (m: ReturnType<RE2JS['matcher']>): RegexMatch => ({
    start: m.start(),
    end: m.end(),
    text: m.group() ?? '',
    groups: Array.from({ length: groupCount }, (_, g) => m.group(g + 1) ?? '')
  })
  return {
    source,
    test: (subject) => re.test(subject),
    first(subject, from = 0) {
      // The DFA rules out most subjects far faster than the matcher can.
      if (!re.test(subject)) return null
      const m = re.matcher(subject)
      return m.find(from) ? matchOf(m) : null
    },
    all(subject, from = 0) {
      const out: RegexMatch[] = []
      if (!re.test(subject)) return out
      const m = re.matcher(subject)
      for (let found = m.find(from); found; found = m.find()) if (m.end() > m.start()) out.push(matchOf(m))
      return out
    }
  }
}
