// The message filter's words (src/shared/message-filter.ts, for msg.page, a `message`
// breakpoint and replay by message) say every mistake at once, not only the first.
import { describe, expect, it } from 'vitest'
import { parseMessageFilter } from '../../src/shared/message-filter'
import type { MessageField } from '../../src/shared/message-types'

describe('the message filter on a bad filter', () => {
  it('names every mistake, with the word a misspelt one meant', () => {
    expect(() => parseMessageFilter('dri:client cmd:SET dir:up')).toThrow('the filter has 2 mistakes: (1) filter dri:client: dri: is no message word; did you mean dir:?; (2) filter dir:up: say dir:client or dir:server')
    expect(() => parseMessageFilter('colour:red field:x fn: dir:x text:ok')).toThrow(
      /^the filter has 4 mistakes: \(1\) filter colour:red: colour: is no message word; use dir:client\|server, .*; \(2\) filter field:x: say field:NAME=VALUE, .*; \(3\) filter fn: needs a name; use .*; and 1 more$/
    )
    expect(() => parseMessageFilter('dir:up')).toThrow(/^filter dir:up: say dir:client or dir:server$/)
    expect(parseMessageFilter('dir:client cmd:SET')?.factTest('client', 'SET k v')).toBe(true)
  })

  it('says that field: takes a dotted path, in the hint and in a field: word that is none', () => {
    // The hint said only field:NAME=VALUE, as if a nested field could only be named bare.
    expect(() => parseMessageFilter('colour:red')).toThrow(/field:NAME=VALUE \(.*dotted for its path from the top: payload\.seq, payload\.tags\[1\]\.k\)/)
    expect(() => parseMessageFilter('field:x')).toThrow(/^filter field:x: say field:NAME=VALUE, .*\(NAME bare for a field at any depth, or dotted for its path from the top: payload\.seq, payload\.tags\[1\]\.k\)$/)
  })
})

describe('field: by a dotted path', () => {
  // blob.ksy's put and ack messages, as the field tree (and a script's msg.fields) names them.
  const f = (name: string, value: string, children?: MessageField[]): MessageField => ({ name, value, offset: 0, length: 1, ...(children ? { children } : {}) })
  const put = {
    summary: 'blob_msg put',
    fields: [
      f('msg_type', 'put (2)'),
      f('payload', 'put', [f('key', 'color'), f('tags', '[2]', [f('[0]', 'tag', [f('k', '1'), f('v', '100')]), f('[1]', 'tag', [f('k', '2'), f('v', '200')])])])
    ]
  }
  const ack = { summary: 'blob_msg ack', fields: [f('msg_type', 'ack (3)'), f('payload', 'ack', [f('status', '0'), f('seq', '7')])] }
  const picks = (words: string, m: { summary: string; fields: MessageField[] }): boolean => parseMessageFilter(words)!.textTest!(m)

  it('takes the path from the top, as msg.fields keys it', () => {
    expect(picks('field:payload.seq>3', ack)).toBe(true)
    expect(picks('field:payload.seq>9', ack)).toBe(false)
    expect(picks('field:payload.key=color', put)).toBe(true)
    expect(picks('field:payload.tags.[1].k=2', put)).toBe(true)
  })

  it('tests every item of a repeated field when the path leaves its [i] out, or the one it names', () => {
    expect(picks('field:payload.tags.k=2', put)).toBe(true)
    expect(picks('field:payload.tags[0].k=2', put)).toBe(false)
    expect(picks('field:payload.tags[1].k=2', put)).toBe(true)
    expect(picks('-field:payload.tags.k=3', put)).toBe(true)
  })

  it('matches a path exactly: not a path that only ends so, nor one of another message', () => {
    expect(picks('field:tags.k=2', put)).toBe(false)
    expect(picks('field:seq.payload>3', ack)).toBe(false)
    expect(picks('field:payload.seq>3', put)).toBe(false)
  })

  it('still takes a bare name at any depth', () => {
    expect(picks('field:seq>3', ack)).toBe(true)
    expect(picks('field:k=2', put)).toBe(true)
    expect(picks('field:msg_type=put', put)).toBe(true)
  })
})
