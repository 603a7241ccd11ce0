// planRecords (with the index's chunkEnd inlined) stays optimized when it reaches a
// direction's last chunk. That path came only at a connection's end, which in a file of
// keep-alive connections is the file's end: a comparison and a property read there had never
// run, so V8 threw the optimized code away there ("insufficient type feedback", seen with
// --trace-deopt on a cold decoding) and compiled it again.
import { setFlagsFromString } from 'node:v8'
import { describe, expect, it, vi } from 'vitest'
import { RECORD_HEADER_SIZE } from '../../../../src/core/capture/format/capture-format'

setFlagsFromString('--allow-natives-syntax')
// Compiled after the flag, so V8's own tier-up controls can be called.
const prepare = new Function('f', '%PrepareFunctionForOptimization(f)') as (f: unknown) => void
const optimizeOnNextCall = new Function('f', '%OptimizeFunctionOnNextCall(f)') as (f: unknown) => void
const status = new Function('f', 'return %GetOptimizationStatus(f)') as (f: unknown) => number
/** V8's OptimizationStatus: the function runs optimized code. */
const OPTIMIZED = 1 << 4

describe('planning a batch of records', () => {
  it("stays optimized at a connection's last chunks, reached only at its end", async () => {
    // Modules of their own: a worker shares its modules between files (isolate: false), and
    // what another file's tests gave planRecords to run (its type feedback, its deopts) once
    // made this one fail, run after them.
    vi.resetModules()
    const { CaptureIndex } = await import('../../../../src/core/capture/query/capture-index')
    const { planRecords } = await import('../../../../src/core/capture/query/decode-records')
    const ix = new CaptureIndex()
    const row = ix.open(1, 16, 1_790_000_000_000.5, {})
    let at = 16 + RECORD_HEADER_SIZE
    // Its streams' offsets past 2^31 from the first record (a connection past 2 GiB), so every
    // offset is a double, and only what the path had never run can throw the code away.
    ix.addData(row, 'client', at, 2 ** 31)
    ix.addData(row, 'server', at + RECORD_HEADER_SIZE, 2 ** 31)
    at += 2 * RECORD_HEADER_SIZE
    // A keep-alive connection: requests and responses in turn, far more than a short row's records.
    for (let i = 0; i < 400; i++) {
      const length = i % 2 === 0 ? 300 : 900
      ix.addData(row, i % 2 === 0 ? 'client' : 'server', at, length)
      at += RECORD_HEADER_SIZE + length
    }
    const want = { client: 0, server: 0 }
    const middle = (): number => planRecords(ix, row, 3, 64, want, Infinity, Infinity).readCount
    prepare(planRecords)
    for (let k = 0; k < 5; k++) expect(middle()).toBe(64)
    optimizeOnNextCall(planRecords)
    expect(middle()).toBe(64)
    expect(status(planRecords) & OPTIMIZED).toBe(OPTIMIZED)
    // The last records: each direction's last chunk ends at the bytes recorded.
    const plan = planRecords(ix, row, 382, 64, want, Infinity, Infinity)
    expect([plan.records.length(plan.records.count - 2), plan.records.length(plan.records.count - 1)]).toEqual([300, 900])
    expect(status(planRecords) & OPTIMIZED).toBe(OPTIMIZED)
  })
})
