// The message filter's words (src/shared/message-filter.ts, for msg.page, a `message`
// breakpoint and replay by message) say every mistake at once, not only the first.
import { describe, expect, it } from 'vitest'
import { parseMessageFilter } from '../../src/shared/message-filter'

describe('the message filter on a bad filter', () => {
  it('names every mistake, with the word a misspelt one meant', () => {
    expect(() => parseMessageFilter('dri:client cmd:SET dir:up')).toThrow('the filter has 2 mistakes: (1) filter dri:client: dri: is no message word; did you mean dir:?; (2) filter dir:up: say dir:client or dir:server')
    expect(() => parseMessageFilter('colour:red field:x fn: dir:x text:ok')).toThrow(
      /^the filter has 4 mistakes: \(1\) filter colour:red: colour: is no message word; use dir:client\|server, .*; \(2\) filter field:x: say field:NAME=VALUE, .*; \(3\) filter fn: needs a name; use .*; and 1 more$/
    )
    expect(() => parseMessageFilter('dir:up')).toThrow(/^filter dir:up: say dir:client or dir:server$/)
    expect(parseMessageFilter('dir:client cmd:SET')?.factTest('client', 'SET k v')).toBe(true)
  })
})
