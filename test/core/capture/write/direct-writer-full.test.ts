// The O_DIRECT writer on a disk that is already full when it needs more staging buffers:
// a new arena probes its alignment with a scratch write, which fails there. That failure
// stops recording like any write error; it must not throw out of append() (which runs in
// a proxy's data handler, where it ended the whole process).
import { afterEach, describe, expect, it, type TestContext } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DirectWriter, directIoAvailable } from '../../../../src/core/capture/write/direct-writer'
import { tempDir } from '../../../helpers/net'
import { needProgram } from '../../../helpers/peers'
import { mountSmall } from '../../../helpers/small-fs'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A 16 MiB ext4 file system mounted for this test (skips where O_DIRECT or a loop mount is not to be had). */
function smallExt4(ctx: TestContext): string {
  needProgram(ctx, 'O_DIRECT on Linux', directIoAvailable())
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const mounted = mountSmall('ext4', dir, cleanups, 16)
  needProgram(ctx, 'an ext4 loop mount (root on Linux)', typeof mounted === 'string')
  return mounted as string
}

describe('direct writer on a full disk', () => {
  it('a staging arena that cannot be probed stops recording with ENOSPC, without throwing', async (ctx) => {
    const at = smallExt4(ctx)
    const errors: NodeJS.ErrnoException[] = []
    const w = new DirectWriter(join(at, 'c.tcap'), Buffer.alloc(16), { onPressure: () => {}, onError: (e) => errors.push(e) })
    // Fill what is left, so the next arena's scratch write has nowhere to go. ext4 holds
    // space back for delayed allocation, so fill again after a sync, in small blocks.
    for (const [name, bs] of [['filler', '1M'], ['filler2', '4k']]) {
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(at, name)}`, `bs=${bs}`, 'count=100000', 'status=none'], { stdio: 'pipe' })
      } catch {
        // dd stops at "no space left": exactly what is wanted.
      }
      execFileSync('sync')
    }
    // 12 MiB at once needs more than the first arena's 8 MiB of staging buffers.
    expect(() => w.append(Buffer.alloc(40), 0, 40, Buffer.alloc(12 * 1024 * 1024, 7))).not.toThrow()
    expect(errors.map((e) => e.code)).toEqual(['ENOSPC'])
    expect(w.error?.code).toBe('ENOSPC')
    await w.close()
  })

  it('a disk that fills with several writes in flight: the file ends exactly where written says, every byte as appended', async (ctx) => {
    const path = join(smallExt4(ctx), 'c.tcap')
    const errors: NodeJS.ErrnoException[] = []
    const head = Buffer.from('HEAD')
    // Parallel writes even on this small file system (normally they wait for ample room).
    const w = new DirectWriter(path, head, { onPressure: () => {}, onError: (e) => errors.push(e) }, { parallelFreeBytes: 0 })
    await new Promise((r) => setTimeout(r, 50))
    // Records of odd sizes, each a header and a payload, appended in one go: far more than
    // the file system holds, so full buffers are queued and written several at a time
    // when the first write fails.
    const sent: Buffer[] = [head]
    for (let i = 0; i < 1500 && errors.length === 0; i++) {
      const header = Buffer.alloc(12, i & 0xff)
      const payload = Buffer.alloc(20_000 + ((i * 7919) % 30_000), (i * 31) & 0xff)
      w.append(header, 0, header.length, payload)
      sent.push(header, payload)
      if (i % 100 === 99) await new Promise((r) => setImmediate(r))
    }
    await w.close()
    expect(errors.map((e) => e.code)).toEqual(['ENOSPC'])
    const file = readFileSync(path)
    // Which write met the full disk first is up to the file system: whatever counts as written is there, exactly.
    expect(file.length).toBe(w.written)
    expect(file.equals(Buffer.concat(sent).subarray(0, file.length))).toBe(true)
  })
})
