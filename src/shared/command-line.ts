// A command line as a person types it in Intercept ▸ "A command…", split into the words the
// program gets, as a POSIX shell would split it, with no shell: no variables, no globs, no
// pipes or redirections. Quoting works as in sh: '…' keeps everything, "…" keeps everything
// but \" \\ \$ \` (a backslash before them is dropped), and a backslash outside quotes keeps
// the next character. An unquoted shell operator is refused rather than passed as a word (a
// `|` given to curl as an argument would surprise whoever typed it): it names `sh -c '…'`.

import { posixQuote } from './proxy-env'

/** Characters a shell would act on; a word holds them only quoted. */
const OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')', '$', '`'])

export type SplitLine = { ok: true; argv: string[] } | { ok: false; problem: 'empty' | 'unclosed-quote' | 'operator'; char?: string }

export function splitCommandLine(line: string): SplitLine {
  const argv: string[] = []
  let word = ''
  let inWord = false
  let quote: "'" | '"' | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quote === "'") {
      if (c === "'") quote = undefined
      else word += c
    } else if (quote === '"') {
      if (c === '"') quote = undefined
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) word += line[++i]
      else word += c
    } else if (c === "'" || c === '"') {
      quote = c
      inWord = true
    } else if (c === '\\') {
      // A backslash at the very end keeps itself; before a newline it joins lines, as in sh.
      if (i + 1 < line.length) {
        if (line[i + 1] !== '\n') word += line[i + 1]
        i++
      } else word += c
      inWord = true
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) argv.push(word)
      word = ''
      inWord = false
    } else if (OPERATORS.has(c)) {
      return { ok: false, problem: 'operator', char: c }
    } else {
      word += c
      inWord = true
    }
  }
  if (quote !== undefined) return { ok: false, problem: 'unclosed-quote', char: quote }
  if (inWord) argv.push(word)
  return argv.length === 0 ? { ok: false, problem: 'empty' } : { ok: true, argv }
}

/** An argv written back as one line that splitCommandLine reads as the same words. */
export function joinCommandLine(argv: readonly string[]): string {
  return argv.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : posixQuote(w))).join(' ')
}
