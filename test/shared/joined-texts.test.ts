// Many texts searched as one (a filter's plain word over every connection): exactly the texts
// whose own includes() holds the word, never a hit made of two texts or two parts, and words
// it cannot look for left to the caller.
import { describe, expect, it } from 'vitest'
import { JoinedTexts, PART } from '../../src/shared/joined-texts'

/** What a test of each text finds. */
const oneByOne = (texts: string[], word: string): number[] => texts.flatMap((t, i) => (t.includes(word) ? [i] : []))
const found = (j: JoinedTexts, word: string): number[] | undefined => {
  const rows = j.holding(word)
  return rows && [...rows].flatMap((hit, i) => (hit ? [i] : []))
}

describe('joined texts', () => {
  it('finds in each text what its includes() finds, for words inside texts, across their parts and across texts', () => {
    const texts = ['t:80' + PART + '10.0.0.1:5', '5t' + PART + '-', '', 'aaaa', 'get /items → 200', 'x\ny', '[::1]:6379' + PART + '/tmp/redis.sock']
    const j = new JoinedTexts(texts)
    expect(j.count).toBe(texts.length)
    // Two parts, two texts: found in neither.
    expect(found(j, '8010')).toEqual([])
    expect(found(j, '55t')).toEqual([])
    expect(found(j, ':55')).toEqual([])
    // Every text holding it, once each, however often it holds it.
    expect(found(j, 'a')).toEqual([3])
    expect(found(j, 'aa')).toEqual([3])
    expect(found(j, '5')).toEqual([0, 1])
    expect(found(j, '6')).toEqual([6])
    expect(found(j, '→ 200')).toEqual([4])
    // A text holding the end of a text itself (bytes read from a peer) is still one text.
    expect(found(j, 'x')).toEqual([5])
    expect(found(j, 'y')).toEqual([5])
    expect(found(j, ':1]:6')).toEqual([6])
  })

  it('leaves an empty word, and one holding a separator, to a test of each text', () => {
    const j = new JoinedTexts(['a', 'b'])
    expect(j.holding('')).toBeUndefined()
    expect(j.holding('a\nb')).toBeUndefined()
    expect(j.holding('a' + PART)).toBeUndefined()
    expect(new JoinedTexts([]).holding('a')).toEqual(new Uint8Array(0))
  })

  it('agrees with includes() over random texts and words (fuzz)', () => {
    let seed = 46
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const alphabet = 'ab:.1' + PART
    const word = (max: number): string => Array.from({ length: 1 + random(max) }, () => alphabet[random(alphabet.length - 1)]).join('')
    for (let round = 0; round < 200; round++) {
      const texts = Array.from({ length: random(40) }, () => Array.from({ length: random(12) }, () => alphabet[random(alphabet.length)]).join(''))
      const j = new JoinedTexts(texts)
      for (let k = 0; k < 20; k++) {
        const w = word(4)
        expect(found(j, w), `${JSON.stringify(texts)} ${JSON.stringify(w)}`).toEqual(oneByOne(texts, w))
      }
    }
  })
})
