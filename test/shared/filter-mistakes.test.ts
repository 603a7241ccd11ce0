// A filter's mistakes said all at once (src/shared/filter-mistakes.ts): one as it was said,
// several in one line naming the first three and counting the rest, which splitMistakes takes
// apart again (a hint's own "; " included); and the word a misspelt one most likely meant.
import { describe, expect, it } from 'vitest'
import { endpointWord, FilterMistakes, mistakesLine, nearestWord, splitMistakes } from '../../src/shared/filter-mistakes'
import { UserError } from '../../src/shared/errors'
import { CONNECTION_WORDS } from '../../src/core/capture/query/connection-query'
import { EXCHANGE_WORDS } from '../../src/shared/protocol-types'

describe("a filter's mistakes", () => {
  it('says one as it was said, several numbered in one line, the rest counted', () => {
    expect(mistakesLine(['filter port:abc: port wants a whole number'])).toBe('filter port:abc: port wants a whole number')
    expect(mistakesLine(['a', 'b'])).toBe('the filter has 2 mistakes: (1) a; (2) b')
    expect(mistakesLine(['a', 'b', 'c', 'd', 'e'])).toBe('the filter has 5 mistakes: (1) a; (2) b; (3) c; and 2 more')
  })

  it('takes the line apart again, even where a mistake says "; " itself', () => {
    const said = ['filter cmd: needs a name; use dir:client|server', 'filter dir:x: say dir:client or dir:server', 'unknown filter word "x:": use a: b: or plain text', 'd']
    expect(splitMistakes(mistakesLine(said))).toEqual({ count: 4, named: said.slice(0, 3), more: 1 })
    expect(splitMistakes(mistakesLine(said.slice(0, 2)))).toEqual({ count: 2, named: said.slice(0, 2), more: 0 })
    expect(splitMistakes('filter port:abc: port wants a whole number')).toBeUndefined()
  })

  it('keeps each UserError once, with the first code, and lets a bug through', () => {
    const m = new FilterMistakes()
    expect(m.word(() => 1)).toBe(1)
    expect(m.word(() => { throw new UserError('first', 'ECODE') })).toBeUndefined()
    m.word(() => { throw new UserError('first') })
    m.word(() => { throw new UserError('second') })
    expect(() => m.word(() => { throw new TypeError('a bug') })).toThrow(TypeError)
    expect(() => m.throwAny()).toThrow(expect.objectContaining({ message: 'the filter has 2 mistakes: (1) first; (2) second', code: 'ECODE' }))
    expect(() => new FilterMistakes().throwAny()).not.toThrow()
  })

  it('names the word a misspelt one most likely meant, and none when none is near or two are', () => {
    // The connection list's words as they are (the exchange list's are among them).
    const keys = CONNECTION_WORDS
    expect(nearestWord('stauts', keys)).toBe('status')
    expect(nearestWord('Hots', keys)).toBe('host')
    expect(nearestWord('colour', keys)).toBeUndefined()
    expect(nearestWord('status', keys)).toBeUndefined()
    // `stat` is one edit from state, two from status.
    expect(nearestWord('stat', keys)).toBe('state')
    // `prot` is one edit from port and one from proto: neither is said.
    expect(nearestWord('prot', keys)).toBeUndefined()
    expect(nearestWord('ab', ['aa', 'bb'])).toBeUndefined()
  })

  it('reads a word no list knows before a port (or nothing) as a host and its port, with a hint when it is a near miss of a word that takes that number', () => {
    const exchangeKeys = [...EXCHANGE_WORDS, 'proto', 'conn']
    for (const keys of [CONNECTION_WORDS, exchangeKeys]) {
      expect(endpointWord('localhost', '18443', keys)).toEqual({})
      expect(endpointWord('redis', '', keys)).toEqual({})
      expect(endpointWord('stauts', '200', keys)).toEqual({ hint: 'stauts:200 is read as a host and its port: did you mean status:200?' })
      // Not a status: no doubt (a host called stats on port 8125 is statsd).
      expect(endpointWord('stats', '8125', keys)).toEqual({})
      expect(() => endpointWord('stauts', '4xx', keys)).toThrow('unknown filter word "stauts:": did you mean status:?')
      expect(() => endpointWord('colour', 'red', keys)).toThrow(/^unknown filter word "colour:": use /)
    }
    // A word of the connection list only: the exchange list has no port word to have meant.
    expect(endpointWord('prot', '6379', ['port', 'status'])).toEqual({ hint: 'prot:6379 is read as a host and its port: did you mean port:6379?' })
    expect(endpointWord('prot', '6379', exchangeKeys)).toEqual({})
    expect(endpointWord('stauts', '', CONNECTION_WORDS)).toEqual({ hint: 'stauts: is read as a host: did you mean status:?' })
  })
})
