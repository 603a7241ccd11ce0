// A filter's mistakes, said all at once. A filter of several words may hold several (a
// misspelt word and a bad value: `stauts:200 port:abc`); told only the first, a person fixes
// it and meets the next. So each parser (the connection list's, the exchange list's, the
// message words') parses every word, keeps each word's one-line error, and throws one line
// naming the first few, each saying what is wrong and how to fix it, and counting the rest.
// The renderer's engine-words splits that line again (splitMistakes) to say it in Chinese.

import { ERROR_CODES, UserError } from './errors'

/** Mistakes named in full; past these a line would no longer be read, so the rest are counted. */
export const NAMED_MISTAKES = 3

/** The mistakes of one filter, kept word by word. */
export class FilterMistakes {
  private readonly said: string[] = []
  private code: string = ERROR_CODES.EINVAL

  /** What `parse` gives, or undefined when it throws a UserError, which is kept. Any other error is a bug and passes. */
  word<T>(parse: () => T): T | undefined {
    try {
      return parse()
    } catch (err) {
      if (!(err instanceof UserError)) throw err
      this.add(err)
      return undefined
    }
  }

  /** Keeps a mistake, once per wording (`-foo:1 foo:2` is one). */
  add(err: UserError): void {
    if (this.said.length === 0) this.code = err.code
    if (!this.said.includes(err.message)) this.said.push(err.message)
  }

  /** Throws one UserError for every mistake kept (the first one's code); nothing when there is none. */
  throwAny(): void {
    if (this.said.length > 0) throw new UserError(mistakesLine(this.said), this.code)
  }
}

const HEAD = /^the filter has (\d+) mistakes: \(1\) /

/** One mistake as it was said; several as `the filter has N mistakes: (1) …; (2) …; (3) …; and M more`. */
export function mistakesLine(said: readonly string[]): string {
  if (said.length === 1) return said[0]
  const named = said.slice(0, NAMED_MISTAKES).map((s, i) => `(${i + 1}) ${s}`)
  const more = said.length - named.length
  return `the filter has ${said.length} mistakes: ${named.join('; ')}${more > 0 ? `; and ${more} more` : ''}`
}

/**
 * A line mistakesLine made of several mistakes, taken apart: how many, the ones named, how
 * many more; undefined for any other line. A mistake's own wording may hold "; " (a hint
 * does), so the named ones are cut at the numbers, which the count says to expect.
 */
export function splitMistakes(line: string): { count: number; named: string[]; more: number } | undefined {
  const head = HEAD.exec(line)
  if (head === null) return undefined
  const count = Number(head[1])
  const shown = Math.min(count, NAMED_MISTAKES)
  const more = count - shown
  let rest = line.slice(head[0].length)
  const tail = `; and ${more} more`
  if (more > 0) {
    if (!rest.endsWith(tail)) return undefined
    rest = rest.slice(0, -tail.length)
  }
  const named: string[] = []
  for (let n = 2; n <= shown; n++) {
    const at = rest.indexOf(`; (${n}) `)
    if (at < 0) return undefined
    named.push(rest.slice(0, at))
    rest = rest.slice(at + `; (${n}) `.length)
  }
  named.push(rest)
  return { count, named, more }
}

/**
 * The word of `words` that `typed` most likely meant (`stauts` → `status`): one at most two
 * edits away (one for a short word), a swap of two letters counting as one; undefined when
 * none is that near, or two are equally near.
 */
export function nearestWord(typed: string, words: readonly string[]): string | undefined {
  const t = typed.toLowerCase()
  const most = t.length <= 4 ? 1 : 2
  let best: string | undefined
  let bestDistance = most + 1
  let tie = false
  for (const w of words) {
    const d = editDistance(t, w)
    if (d < bestDistance) [best, bestDistance, tie] = [w, d, false]
    else if (d === bestDistance && w !== best) tie = true
  }
  return best !== undefined && !tie && bestDistance > 0 ? best : undefined
}

/** Edits (insert, delete, change, swap of neighbours) from `a` to `b`: optimal string alignment. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/** A `key:` no parser knows: the word it was most likely meant as, else every word it takes. */
export function unknownFilterWord(key: string, keys: readonly string[]): UserError {
  const near = nearestWord(key, keys)
  return new UserError(`unknown filter word "${key}:": ${near !== undefined ? `did you mean ${near}:?` : `use ${keys.map((k) => `${k}:`).join(' ')} or plain text`}`)
}

/** The words that take a number, and the numbers each takes: what a near miss before one (`stauts:200`) may have meant. */
const NUMBER_WORDS: Readonly<Record<string, (value: string) => boolean>> = {
  status: (v) => /^[1-5]\d\d$/.test(v),
  port: (v) => Number(v) >= 1 && Number(v) <= 65535,
  id: () => true,
  conn: () => true,
  replay: () => true
}

/**
 * A `name:value` word whose name is none of the filter's `words`, read the one way every list
 * reads it (the connection list's, the exchange list's, a breakpoint's, a toxic's match): a
 * value of digits, or none, makes it a host and its port (`localhost:8443`, `redis:6379`;
 * `redis:` for any port), found where the list finds a plain word; any other value is an
 * unknown word, a UserError naming the word it most likely meant.
 *
 * A name a near miss of a word that takes such a number (`stauts:200`) is still a host and
 * its port, with a hint naming the word it likely meant: said beside the answer, not a mistake
 * that stops the filter. Hosts one edit or two from a word are real (`portal:443`, `relay:25`,
 * `idp:443`, `report:80`, the ones the tests keep), and a saved filter, a toxic's match or a
 * breakpoint's must go on meaning what it meant; a typo, for its part, picks nothing, and the
 * hint then says why.
 */
export function endpointWord(key: string, value: string, words: readonly string[]): { hint?: string } {
  if (value !== '' && !/^\d+$/.test(value)) throw unknownFilterWord(key, words)
  const near = nearestWord(key, words)
  if (near === undefined || (value !== '' && NUMBER_WORDS[near]?.(value) !== true)) return {}
  return { hint: `${key}:${value} is read as a host${value === '' ? '' : ' and its port'}: did you mean ${near}:${value}?` }
}
