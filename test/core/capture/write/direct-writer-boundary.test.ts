// The O_DIRECT writer when a record ends exactly where a 2 MiB staging buffer does. The full
// buffer's job counted only the record before it as written, and no later job came to count
// the last one: a reader waiting for it waited forever, and so did close(), which left the
// CLI's event loop empty, so `tcpscope proxy` exited 0 without its summary (a CI failure).
import { afterEach, describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DirectWriter, directIoAvailable } from '../../../../src/core/capture/write/direct-writer'
import { tempDir } from '../../../helpers/net'
import { needProgram } from '../../../helpers/peers'

const BUFFER = 2 * 1024 * 1024
const HEAD = 100
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Settles `p`, or says it did not within `ms`: a hang fails the test with a reason, not a timeout. */
const within = <T>(p: Promise<T>, ms = 5000): Promise<T | 'still waiting'> =>
  Promise.race([p, new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), ms).unref())])

describe('direct writer: a record that ends on a staging buffer\'s boundary', () => {
  // Each row: the records appended after the 100-byte head, as [record, payload] sizes; the last ends on a boundary.
  it.for([
    ['one record', [[BUFFER - HEAD, 0]]],
    ['a header and its payload', [[40, BUFFER - HEAD - 40]]],
    ['the second buffer, after a record across the first', [[BUFFER, 0], [BUFFER - HEAD, 0]]]
  ] as const)('%s: is counted written, a reader waiting for it is answered, and close() completes the file', async ([, records], ctx) => {
    needProgram(ctx, 'O_DIRECT on Linux', directIoAvailable())
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const path = join(dir, 'b.tcap')
    const w = new DirectWriter(path, Buffer.alloc(HEAD, 1), { onPressure: () => {}, onError: () => {} })
    const expected: Buffer[] = [Buffer.alloc(HEAD, 1)]
    let fill = 2
    for (const [size, payloadSize] of records) {
      const rec = Buffer.alloc(size, fill++)
      const payload = payloadSize > 0 ? Buffer.alloc(payloadSize, fill++) : undefined
      w.append(rec, 0, rec.length, payload)
      expected.push(rec, ...(payload ? [payload] : []))
    }
    const end = w.end
    expect(end % BUFFER).toBe(0)
    expect(await within(w.waitWritten(end))).toBeUndefined()
    expect(w.written).toBe(end)
    expect(await within(w.close())).toBeUndefined()
    const file = await readFile(path)
    expect(file.length).toBe(end)
    expect(file.equals(Buffer.concat(expected))).toBe(true)
  })
})
