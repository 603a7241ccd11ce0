// The inflaters `process: zlib` uses (inflate-engines.ts): made before a run, never inside it,
// so node:vm's timeout cannot end a run inside node:zlib's constructor (which left a handle that
// aborted the process at a later collection). Each inflates as inflateSync does, errors alike.
import { deflateSync, inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { InflateEngines, MAX_INFLATERS } from '../../../src/core/ksy/inflate-engines'

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
    return undefined
  } catch (err) {
    return (err as { code?: string }).code
  }
}

describe('inflaters made before a run', () => {
  it('inflates as inflateSync does, its errors alike: bad data, a cut stream, past the bound', () => {
    const e = new InflateEngines(1 << 20)
    const zipped = deflateSync(Buffer.from('hello, zlib'))
    const inputs = [zipped, Buffer.from([1, 2, 3, 4]), zipped.subarray(0, 6), deflateSync(Buffer.alloc(2 << 20))]
    for (const input of inputs) {
      e.fill()
      const ours = codeOf(() => e.inflate(input))
      expect(ours).toBe(codeOf(() => inflateSync(input, { maxOutputLength: 1 << 20 })))
    }
    e.fill()
    expect(e.inflate(zipped)!.toString()).toBe('hello, zlib')
  })

  it('gives out the 4 made for a run, then says it is spent; grows by twice up to the bound, and shrinks after runs that need few', () => {
    const e = new InflateEngines(1 << 20)
    const zipped = deflateSync(Buffer.from('x'))
    const inflatesBeforeSpent = (): number => {
      e.fill()
      let n = 0
      while (e.inflate(zipped) !== undefined) n++
      expect(e.spent).toBe(true)
      return n
    }
    expect(inflatesBeforeSpent()).toBe(4)
    const seen = [4]
    while (e.grow()) seen.push(inflatesBeforeSpent())
    expect(seen).toEqual([4, 8, 16, 32, 64, 128, 256])
    expect(seen.at(-1)).toBe(MAX_INFLATERS)
    // Runs that use one each: from the run after the one that used all 256, the made ones halve, run after run, back to 4.
    const after: number[] = []
    for (let i = 0; i < 8; i++) {
      e.fill()
      expect(e.spent).toBe(false)
      e.inflate(zipped)
      after.push((e as unknown as { wanted: number }).wanted)
    }
    expect(after).toEqual([256, 128, 64, 32, 16, 8, 4, 4])
  })
})
