// `tcpscope proxy --frame ksy:FILE` between a device-like Node peer and its client, over
// real sockets: the device sends frames in pieces of 1 to 5 bytes and in one large
// coalesced write; `show --json` lists every frame whole, once, with its fields by their
// `.ksy` names and the bytes each came from; `replay --by-message` cuts it the same way. A `.ksy` that does not compile stops the proxy
// from starting, in one line naming its line. The device and the checks every framing shares
// are device-framing.ts's.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'
import { tempDir } from '../helpers/net'
import { DEVICE_KSY } from '../core/protocols/ksy/ksy-frames'
import { find, proxyTheDevice, replayTheDevice } from './device-framing'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('proxy --frame ksy:FILE', () => {
  it('cuts a device that trickles and bursts its frames: each whole, once, with fields and their bytes', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const frame = `ksy:${DEVICE_KSY}`
    const { capture, frames, messages } = await proxyTheDevice(cleanups, dir, frame)
    expect(messages.filter((m) => m.dir === 'client').map((m) => find(m.fields, 'acked_seq')?.value)).toEqual(['1', '2'])

    // Replay by message cuts the recorded connection with the same .ksy.
    const sent = await replayTheDevice(capture, frame, frames)
    expect(sent.map(([summary, size]) => [summary.startsWith('device_frame kind=ack (3)'), size])).toEqual([
      [true, 11],
      [true, 11]
    ])
  })

  it('a .ksy that does not compile: the proxy does not start, and says why in one line with the line', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const bad = join(dir, 'bad.ksy')
    writeFileSync(bad, 'meta:\n  id: bad\nseq:\n  - id: kind\n    type: u1\n    enum: nope\n')
    const r = await runCli(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:9', '--frame', `ksy:${bad}`])
    expect(r.code).not.toBe(0)
    expect(r.stderr.trim()).toBe(`tcpscope: ${bad}:6: /seq/0/enum: unable to find enum 'nope', searching from bad`)
  })
})
