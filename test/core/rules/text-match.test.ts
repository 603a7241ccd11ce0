// A rule's glob matched without the regex engine (text-match.ts starGlob) says what RE2 says
// of the same glob, on texts made to sit on every edge: pieces at the ends, overlapping,
// repeated, line breaks, case folded and not, beyond ASCII.
import { describe, expect, it } from 'vitest'
import { compileText, globSource } from '../../../src/core/rules/text-match'
import { compileUserRegex } from '../../../src/core/regex/user-regex'

const GLOBS = ['/api/*', '*', '**', 'a*', '*a', 'ab*ba', '*ab*ab*', '/x/*/y', '/api/', 'ab', '*.example.*', 'A*b', 'K*']
const ALPHABET = ['a', 'b', 'A', 'B', '/', '.', 'x', 'y', '\n', 'é', 'K', 'ß', 'api', '/api/', 'example']

/** Every text of up to `n` pieces from ALPHABET, a few thousand in all. */
function texts(n: number): string[] {
  let out = ['']
  const all = ['']
  for (let i = 0; i < n; i++) {
    out = out.flatMap((t) => ALPHABET.map((c) => t + c))
    all.push(...out)
  }
  return all
}

describe('a star glob matched without the regex engine', () => {
  for (const fold of [false, true]) {
    it(`reads every text as RE2 does${fold ? ', folding case' : ''}`, () => {
      const all = texts(3)
      for (const glob of GLOBS) {
        const re = compileUserRegex(globSource(glob), { caseInsensitive: fold })
        const test = compileText({ glob }, 'glob', { caseInsensitive: fold })
        const differ = all.filter((t) => test(t) !== re.test(t))
        expect(differ, glob).toEqual([])
      }
    })
  }
})
