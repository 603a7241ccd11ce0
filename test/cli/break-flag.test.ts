// `--break` as tcpscope proxy reads it: a message rule and its filter words.
import { describe, expect, it } from 'vitest'
import { parseBreakFlag } from '../../src/cli/break-flag'

describe('--break message=', () => {
  it('reads message words into a message rule', () => {
    expect(parseBreakFlag('message=dir:client cmd:SET')).toEqual({ match: 'message', pattern: 'dir:client cmd:SET' })
    expect(parseBreakFlag('message,timeout=0')).toEqual({ match: 'message', timeoutMs: 0 })
  })
})
