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
    return (s) => re.test(s)
  } catch (err) {
    throw new ValidationError(`${where}: ${(err as Error).message}`)
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
