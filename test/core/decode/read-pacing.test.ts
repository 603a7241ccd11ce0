// A file's background decoding while its list is read (read-pacing.ts): read quickly (a
// person scrolling), one lane works a quarter of the time and the others wait until a while
// after the reads stop (what the person does next is answered at once); a list refreshed as
// decoding moves (a read each 250 ms) slows nothing. On a clock the test moves.
import { describe, expect, it } from 'vitest'
import { LINGER_MS, PACE_REST_MS, PACE_WORK_MS, READS, ReadPacing } from '../../../src/core/decode/read-pacing'

function clocked(): { pacing: ReadPacing; at: (ms: number) => void } {
  let now = 1000
  return { pacing: new ReadPacing(() => now), at: (ms) => (now = ms) }
}

describe("a file's decoding while its list is read", () => {
  it('goes on at once in every lane when nothing reads, or when the list is only refreshed as decoding moves', () => {
    const { pacing, at } = clocked()
    for (const lane of [0, 1, 63]) expect(pacing.wait(lane)).toBeUndefined()
    // The summaries' refresh: one read each 250 ms, for a while.
    for (let t = 1000; t < 3000; t += 250) {
      at(t)
      pacing.read()
      for (const lane of [0, 1, 63]) expect(pacing.wait(lane)).toBeUndefined()
    }
  })

  it('read quickly: lanes past the first wait until the reads stop, the first works PACE_WORK_MS and rests PACE_REST_MS', () => {
    const { pacing, at } = clocked()
    for (let k = 0; k < READS; k++) {
      at(1000 + k * 20)
      pacing.read()
    }
    const last = 1000 + (READS - 1) * 20
    // Other lanes: until LINGER_MS after the last read.
    expect(pacing.wait(1)).toBe(LINGER_MS)
    at(last + 100)
    expect(pacing.wait(7)).toBe(LINGER_MS - 100)
    // The first lane: its work is counted from when the reads began to come quickly.
    at(last)
    expect(pacing.wait(0)).toBeUndefined()
    at(last + PACE_WORK_MS + 1)
    const rest = pacing.wait(0)
    expect(rest).toBe(PACE_REST_MS)
    // Asked again within the rest: what is left of it.
    at(last + PACE_WORK_MS + 1 + 5)
    expect(pacing.wait(0)).toBe(PACE_REST_MS - 5)
    // After it, PACE_WORK_MS of work again before the next.
    const resumed = last + PACE_WORK_MS + 1 + PACE_REST_MS
    at(resumed)
    expect(pacing.wait(0)).toBeUndefined()
    at(resumed + PACE_WORK_MS)
    expect(pacing.wait(0)).toBe(PACE_REST_MS)
  })

  it('lets every lane go LINGER_MS after the last quick read, whatever refreshes of the list came after it', () => {
    const { pacing, at } = clocked()
    for (let k = 0; k < READS; k++) {
      at(1000 + k)
      pacing.read()
    }
    const last = 1000 + READS - 1
    // The list refreshed as decoding moves, once each 250 ms: no longer paced for it.
    for (let t = last + 250; t < last + LINGER_MS; t += 250) {
      at(t)
      pacing.read()
      expect(pacing.wait(1)).toBe(last + LINGER_MS - t)
    }
    at(last + LINGER_MS)
    for (const lane of [0, 1, 255]) expect(pacing.wait(lane)).toBeUndefined()
    at(last + LINGER_MS + 250)
    pacing.read()
    for (const lane of [0, 1, 255]) expect(pacing.wait(lane)).toBeUndefined()
  })
})
