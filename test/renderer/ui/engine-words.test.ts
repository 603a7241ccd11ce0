// engineWords says messages the engine never made too: a connection's recorded error in
// someone else's capture, a framing script's. However such a message is worded, saying it
// takes no time and throws nothing, in either language: English shows it at once, errors
// inside errors are said only so deep, and each wording's regex takes time linear in the
// message on input made of its own pieces, where V8's backtracking could try every way to cut
// it. (test/core/front/engine-words.test.ts holds the wordings to the engine's real errors.)
import { describe, expect, it } from 'vitest'
import { createAppI18n, type Language } from '../../../src/renderer/src/platform/i18n'
import { engineWords, FIELD, WORDINGS } from '../../../src/renderer/src/ui/engine-words'

/** The UI's t in `language`, counting its calls: a measure of engineWords' work that no clock moves. */
function countedT(language: Language): { t: (key: string, params: Record<string, unknown>) => string; calls: () => number } {
  const { t } = createAppI18n(language).global
  let calls = 0
  return {
    t: (key, params) => {
      calls++
      return t(key, params)
    },
    calls: () => calls
  }
}

/** How long `f` took, in ms: for a hang guard only, whose bound is far above the time taken. */
function timed<T>(f: () => T): { value: T; ms: number } {
  const start = performance.now()
  const value = f()
  return { value, ms: performance.now() - start }
}

/** A hang, not a slow machine: each of these takes a few milliseconds at most, and took seconds to forever (or threw) before. */
const HANG = 500

const loop = 'frame() gave no answer within its 250 ms budget (a loop? x); '
const mistakes = (inner: string): string => `the filter has 3 mistakes: (1) ${inner}; (2) ${inner}; (3) ${inner}`

/** Messages no engine says, each built to make a careless reading slow: many wordings deep, or many ways to cut. */
const HOSTILE: Array<[string, string]> = [
  // First the small ones, so that a reading that doubles its work at each level fails on its count before it hangs.
  ['a breakpoint inside a breakpoint, 12 deep', `${'breakpoint: '.repeat(12)}x`],
  ['a breakpoint inside a breakpoint, 30 deep', `${'breakpoint: '.repeat(30)}x`],
  ['a reply rule inside a reply rule, 280 deep', `${'reply rule 1: '.repeat(280)}cancelled`],
  ['a breakpoint, a match and a reply rule in turn, 300 deep', `${'breakpoint: toxic match: reply rule 1: '.repeat(100)}cancelled`],
  ['cutting stops, 200 deep', `x${': cutting stops here'.repeat(200)}`],
  ["a field's name before a field's name, just short of the longest said", `${'a: '.repeat(1300)}cancelled`],
  ['filter mistakes inside filter mistakes', mistakes(mistakes(mistakes(mistakes('cancelled'))))],
  ["4 KB of '); ' after a loop, and a line break", `${loop}${'); '.repeat(1300)}\nx`],
  ["4 KB of '], but got [' after a validation error", `ValidationNotEqualError: not equal, expected [${'], but got ['.repeat(300)}x`],
  ["4 KB of ', got \"' after a list of values", `expected one of ${', got "'.repeat(500)}x`],
  ['a breakpoint inside a breakpoint, 3000 deep', `${'breakpoint: '.repeat(3000)}x`],
  ["a field's name before a field's name, 10,000 deep", `${'a: '.repeat(10_000)}cancelled`],
  ["100 KB of '); ' after a loop, and a line break", `${loop}${'); '.repeat(34_000)}\nx`]
]

describe('engineWords on hostile messages', () => {
  it('shows any message as it is in English, at once, having looked up one message', () => {
    for (const [name, message] of HOSTILE) {
      const { t, calls } = countedT('en')
      const { value, ms } = timed(() => engineWords(message, t))
      expect(value, name).toBe(message)
      expect(calls(), name).toBeLessThanOrEqual(1)
      expect(ms, name).toBeLessThan(HANG)
    }
  })

  it('says them in Chinese only so deep, with a few lookups a level, and throws nothing', () => {
    for (const [name, message] of HOSTILE) {
      const { t, calls } = countedT('zh-CN')
      const { value, ms } = timed(() => engineWords(message, t))
      expect(typeof value, name).toBe('string')
      // Six levels, a lookup or two each (a filter's mistakes a few more).
      expect(calls(), name).toBeLessThan(40)
      expect(ms, name).toBeLessThan(HANG)
    }
  })

  it('says six levels of errors inside errors in Chinese, and what is deeper as the engine said it', () => {
    const { t } = countedT('zh-CN')
    expect(engineWords(`${'breakpoint: '.repeat(5)}cancelled`, t)).toBe(`${'断点：'.repeat(5)}已取消`)
    expect(engineWords(`${'breakpoint: '.repeat(30)}cancelled`, t)).toBe(`${'断点：'.repeat(6)}${'breakpoint: '.repeat(24)}cancelled`)
    // Too long to be one of the engine's: as it is.
    const long = `breakpoint: ${'x'.repeat(5000)}`
    expect(engineWords(long, t)).toBe(long)
  })
})

/** Where the class that opens at `from` closes: its first `]` not escaped. */
function classEnd(source: string, from: number): number {
  for (let i = from + 1; i < source.length; i++) {
    if (source[i] === '\\') i++
    else if (source[i] === ']') return i
  }
  throw new Error(`no ] in ${source}`)
}

/** The first of a group's alternatives (`frame|describe`: `frame`), escapes and inner groups read over. */
function firstAlternative(body: string): string {
  let depth = 0
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (c === '\\') i++
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '|' && depth === 0) return body.slice(0, i)
  }
  return body
}

/** A token of a wording: text it says as it is, or a stand-in for a part it names. */
type Token = { literal: boolean; text: string }

/**
 * A message `source` (one of the wordings' regexes) matches, as tokens: its literal text, and
 * one character (or a group's own sample) for each part. Enough of regex syntax for these:
 * groups, classes, escapes, alternatives (the first is taken), quantifiers (once), lookaheads
 * (skipped: they only look at how the message ends).
 */
function sampleOf(source: string): Token[] {
  const tokens: Token[] = []
  const add = (literal: boolean, text: string): void => {
    const last = tokens.at(-1)
    if (last !== undefined && last.literal && literal) last.text += text
    else tokens.push({ literal, text })
  }
  const closing = (from: number): number => {
    let depth = 0
    for (let i = from; i < source.length; i++) {
      const c = source[i]
      if (c === '\\') i++
      else if (c === '[') i = classEnd(source, i)
      else if (c === '(') depth++
      else if (c === ')' && --depth === 0) return i
    }
    throw new Error(`no ) in ${source}`)
  }
  const classChar = (body: string): string => {
    if (body.startsWith('^')) return body.includes('a') ? '_' : 'a'
    if (body.startsWith('\\d')) return '1'
    if (body.startsWith('\\w')) return 'a'
    return body.startsWith('\\') ? body[1] : body[0]
  }
  const ESCAPES: Record<string, string> = { d: '1', w: 'a', S: 'a', s: ' ' }
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    let literal = true
    let text: string
    if (c === '^' || c === '$') continue
    if (c === '(') {
      const end = closing(i)
      const inner = source.slice(i + 1, end)
      i = end
      if (inner.startsWith('?=')) continue
      const body = inner.replace(/^\?(?::|<\w+>)/, '')
      // The first alternative, as one stand-in: what a part holds is no separator of the wording's.
      text = sampleOf(firstAlternative(body))
        .map((t) => t.text)
        .join('')
      literal = false
    } else if (c === '[') {
      const end = classEnd(source, i)
      text = classChar(source.slice(i + 1, end))
      i = end
      literal = false
    } else if (c === '\\') {
      const e = source[++i]
      literal = !(e in ESCAPES)
      text = ESCAPES[e] ?? e
    } else if (c === '.') {
      text = 'a'
      literal = false
    } else text = c
    // A quantified token is a part, said once here.
    const q = /^(?:[+*?]|\{\d+(?:,\d*)?\})\??/.exec(source.slice(i + 1))
    if (q !== null) {
      i += q[0].length
      literal = false
    }
    add(literal, text)
  }
  return tokens
}

describe("the wordings' regexes on hostile input", () => {
  const ALL: Array<[RegExp, string]> = [...WORDINGS, [FIELD, 'FIELD']]
  const sample = (tokens: Token[]): string => tokens.map((t) => t.text).join('')

  it('each has a sample it matches (so the strings below start as a message of its)', () => {
    for (const [re, key] of ALL) expect(re.test(sample(sampleOf(re.source))), `${key}: ${re.source}`).toBe(true)
  })

  it('each answers 100 KB made of its own pieces at once: the start of a message of its, then one piece again and again, or the rest of it, or its pieces mixed', () => {
    // Over 100 KB a wording takes about a millisecond; the ones that could be cut in many
    // places took from 0.3 s to 14 s before they looked at how the message ends. A slow one
    // is timed again, so that a garbage collection on a busy machine is not taken for one.
    const SIZE = 100_000
    const SLOW = 100
    const slow: string[] = []
    for (const [re, key] of ALL) {
      const tokens = sampleOf(re.source)
      for (let cut = 1; cut < tokens.length; cut++) {
        const head = sample(tokens.slice(0, cut))
        const rest = tokens.slice(cut).map((t) => t.text)
        // Its pieces in an order with no pattern to it (the golden ratio's multiples, each taken mod 1).
        const shuffled = Array.from({ length: 1000 }, (_, i) => rest[Math.floor(((i * 0.6180339887) % 1) * rest.length)]).join('')
        for (const unit of [rest[0], rest.join(''), shuffled]) {
          const body = unit.repeat(Math.ceil(SIZE / unit.length))
          // As the wording ends (the rest again), or not, or on another line.
          for (const ending of ['', 'x', '\n']) {
            const input = head + body + ending
            let ms = timed(() => re.exec(input)).ms
            if (ms > SLOW) ms = Math.min(ms, timed(() => re.exec(input)).ms)
            if (ms > SLOW) slow.push(`${key} ${ms.toFixed(0)} ms: ${JSON.stringify(head + unit.slice(0, 40))}… ${JSON.stringify(ending)}`)
          }
        }
      }
    }
    expect(slow).toEqual([])
  })
})
