// The recent files list: newest first, each once, at most ten; and paths split for showing.
import { describe, expect, it } from 'vitest'
import { splitPath, withChangesSince, withoutRecent, withRecent } from '../../../../src/renderer/src/features/files/recent-files'

describe('recent files', () => {
  it('puts a file first, once', () => {
    expect(withRecent(['/a', '/b', '/c'], '/c')).toEqual(['/c', '/a', '/b'])
    expect(withRecent([], '/a')).toEqual(['/a'])
  })

  it('keeps at most ten, dropping the oldest', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `/f${i}`)
    expect(withRecent(ten, '/new')).toEqual(['/new', ...ten.slice(0, 9)])
  })

  it('takes one off', () => {
    expect(withoutRecent(['/a', '/b'], '/a')).toEqual(['/b'])
    expect(withoutRecent(['/a'], '/x')).toEqual(['/a'])
  })

  it("puts this list's changes since it was read onto another copy: opened first, in order, and forgotten gone", () => {
    const kept = ['/k1', '/a', '/k2', '/b']
    // Nothing changed: the other copy as it is.
    expect(withChangesSince(kept, ['/a', '/b'], ['/a', '/b'])).toEqual(kept)
    // /n opened, then /b opened again (moved first), and /a forgotten.
    expect(withChangesSince(kept, ['/a', '/b'], ['/b', '/n'])).toEqual(['/b', '/n', '/k1', '/k2'])
    // From an empty list (web mode's first page): the file opened meanwhile, then the copy's.
    expect(withChangesSince(kept, [], ['/x'])).toEqual(['/x', ...kept])
  })

  it('splits a path into name and folder, on either slash', () => {
    expect(splitPath('/data/run 1/a.tcap')).toEqual({ name: 'a.tcap', folder: '/data/run 1/' })
    expect(splitPath('C:\\caps\\b.tcap')).toEqual({ name: 'b.tcap', folder: 'C:\\caps\\' })
    expect(splitPath('c.tcap')).toEqual({ name: 'c.tcap', folder: '' })
  })
})
