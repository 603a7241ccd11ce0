// The one-time tokens that let a front end replace a capture once the user said yes: good
// once, for one path and one state of the file, and only briefly.
import { describe, expect, it } from 'vitest'
import { OverwriteConfirmations } from '../../../src/core/files/overwrite-confirmations'

const file = { dev: 1, ino: 2, size: 300, mtimeMs: 1000 }

describe('overwrite confirmations', () => {
  it('a token is good once, for that path and that file as it was', () => {
    const c = new OverwriteConfirmations()
    const token = c.issue('/d/a.tcap', file)
    expect(c.take(token, '/d/a.tcap', file)).toBe(true)
    expect(c.take(token, '/d/a.tcap', file)).toBe(false)
    expect(c.take(c.issue('/d/a.tcap', file), '/d/b.tcap', file)).toBe(false)
    expect(c.take(c.issue('/d/a.tcap', file), '/d/a.tcap', { ...file, size: 301 })).toBe(false)
    expect(c.take(c.issue('/d/a.tcap', file), '/d/a.tcap', { ...file, mtimeMs: 1001 })).toBe(false)
    expect(c.take(c.issue('/d/a.tcap', file), '/d/a.tcap', { ...file, ino: 3 })).toBe(false)
    expect(c.take(undefined, '/d/a.tcap', file)).toBe(false)
    expect(c.take('made-up', '/d/a.tcap', file)).toBe(false)
  })

  it('expires after two minutes, and keeps at most 32 questions open', () => {
    let now = 0
    const c = new OverwriteConfirmations(() => now)
    const late = c.issue('/d/a.tcap', file)
    now = 2 * 60_000
    expect(c.take(late, '/d/a.tcap', file)).toBe(false)
    const oldest = c.issue('/d/a.tcap', file)
    const rest = Array.from({ length: 32 }, () => c.issue('/d/a.tcap', file))
    expect(c.take(oldest, '/d/a.tcap', file)).toBe(false)
    expect(c.take(rest[0], '/d/a.tcap', file)).toBe(true)
  })
})
