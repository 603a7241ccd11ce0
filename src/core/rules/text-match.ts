// A rule's text matcher (rule-types.ts TextMatch) compiled once: exact, glob, prefix,
// contains, or a regex. Regexes and globs run on RE2 (core/regex), so a rule can never
// freeze the proxy whatever a request holds.

import type { TextMatch } from '../../shared/rules/rule-types'
import { compileUserRegex } from '../regex/user-regex'
import { ValidationError } from '../../shared/schema'

export type TextTest = (text: string) => boolean

/** A glob's regex: `*` any run of characters, `?` one; the rest literal. */
export function globSource(glob: string): string {
  let out = '^'
  for (const c of glob) out += c === '*' ? '.*' : c === '?' ? '.' : /[\\^$.|+()[\]{}]/.test(c) ? `\\${c}` : c
  return `${out}$`
}

/** Compiles `m`; a bad regex throws a ValidationError naming `where`. */
export function compileText(m: TextMatch, where: string, opts: { caseInsensitive?: boolean } = {}): TextTest {
  const fold = opts.caseInsensitive === true
  const norm = (s: string): string => (fold ? s.toLowerCase() : s)
  if (typeof m === 'string') {
    if (/[*?]/.test(m)) return compileText({ glob: m }, where, opts)
    const want = norm(m)
    return (s) => norm(s) === want
  }
  if ('exact' in m) {
    const want = norm(m.exact)
    return (s) => norm(s) === want
  }
  if ('prefix' in m) {
    const want = norm(m.prefix)
    return (s) => norm(s).startsWith(want)
  }
  if ('contains' in m) {
    const want = norm(m.contains)
    return (s) => norm(s).includes(want)
  }
  const source = 'glob' in m ? globSource(m.glob) : m.regex
  try {
    const re = compileUserRegex(source, { caseInsensitive: fold })
    const test: TextTest = (s) => re.test(s)
    return 'glob' in m ? (starGlob(m.glob, fold, test) ?? test) : test
  } catch (err) {
    throw new ValidationError(`${where}: ${(err as Error).message}`)
  }
}

const ASCII = /^[\x00-\x7f]*$/

/**
 * A glob whose only wildcard is `*` (`/api/*`), matched without the regex engine, as it runs
 * for every request: its pieces found in order, the first at the start and the last at the
 * end. Text the two could read apart goes to `regex`: a line break (`.` does not take one)
 * and, folding case, anything beyond ASCII (RE2 folds more than toLowerCase does).
 */
function starGlob(glob: string, fold: boolean, regex: TextTest): TextTest | undefined {
  if (glob.includes('?') || (fold && !ASCII.test(glob))) return undefined
  const parts = (fold ? glob.toLowerCase() : glob).split('*')
  const first = parts[0]
  const last = parts[parts.length - 1]
  let least = 0
  for (const p of parts) least += p.length
  if (parts.length === 1) return (text) => (text.includes('\n') || (fold && !ASCII.test(text)) ? regex(text) : (fold ? text.toLowerCase() : text) === first)
  return (text) => {
    if (text.includes('\n') || (fold && !ASCII.test(text))) return regex(text)
    const s = fold ? text.toLowerCase() : text
    if (s.length < least || !s.startsWith(first) || !s.endsWith(last)) return false
    let at = first.length
    for (let i = 1; i < parts.length - 1; i++) {
      const found = s.indexOf(parts[i], at)
      if (found < 0) return false
      at = found + parts[i].length
    }
    return at <= s.length - last.length
  }
}

/** How a text matcher reads in a rule's description. */
export function textWords(m: TextMatch): string {
  if (typeof m === 'string') return m
  if ('exact' in m) return m.exact
  if ('glob' in m) return m.glob
  if ('prefix' in m) return `${m.prefix}*`
  if ('contains' in m) return `*${m.contains}*`
  return `/${m.regex}/`
}
