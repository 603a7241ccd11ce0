// Work ahead of need in slices (shared/in-slices.ts): each slice in a turn of its own, what
// waits meanwhile runs between them, and the work ends when a slice says so, throws, or is
// stopped.
import { describe, expect, it } from 'vitest'
import { inSlices } from '../../src/shared/in-slices'

const turns = (n: number): Promise<void> => new Promise((r) => setTimeout(r, n))

describe('inSlices', () => {
  it('runs a slice a turn until one says it is done, with what came meanwhile run between them', async () => {
    const seen: string[] = []
    let n = 0
    await new Promise<void>((done) => {
      inSlices(() => {
        seen.push(`slice ${++n}`)
        if (n === 1) setImmediate(() => seen.push('between'))
        if (n < 3) return false
        done()
        return true
      })
      // Nothing runs in the caller's turn.
      seen.push('caller')
    })
    await turns(20)
    expect(seen).toEqual(['caller', 'slice 1', 'between', 'slice 2', 'slice 3'])
  })

  it('ends at a slice that throws, and when stopped', async () => {
    let thrown = 0
    inSlices(() => {
      thrown++
      throw new Error('a bug in work ahead of need')
    })
    let stopped = 0
    const stop = inSlices(() => {
      stopped++
      return false
    })
    await turns(30)
    stop()
    const at = stopped
    await turns(30)
    expect(thrown).toBe(1)
    expect(stopped).toBe(at)
    expect(at).toBeGreaterThan(1)
  })
})
