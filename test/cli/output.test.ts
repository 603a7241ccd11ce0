// Writing to a slow reader waits for it without piling up listeners.
import { describe, expect, it } from 'vitest'
import { Writable } from 'node:stream'
import { writeAll } from '../../src/cli/output'

describe('writeAll', () => {
  it('waits for drain each time the stream is full, and leaves no listener behind', async () => {
    const warnings: Error[] = []
    const onWarning = (w: Error): void => void warnings.push(w)
    process.on('warning', onWarning)
    let written = 0
    // A reader that takes 1 KiB at a time, a tick later: every write fills it.
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        written += chunk.length
        setImmediate(done)
      }
    })
    for (let i = 0; i < 50; i++) await writeAll(slow, Buffer.alloc(4096))
    process.off('warning', onWarning)
    expect(written).toBeGreaterThanOrEqual(49 * 4096)
    expect(slow.listenerCount('drain')).toBe(0)
    expect(slow.listenerCount('close')).toBe(0)
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
  })
})
