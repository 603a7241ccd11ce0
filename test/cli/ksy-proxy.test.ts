// `tcpscope proxy --frame ksy:FILE` between a device-like Node peer and its client, over
// real sockets: the device sends frames in pieces of 1 to 5 bytes and in one large
// coalesced write; `show --json` lists every frame whole, once, with its fields by their
// `.ksy` names and the bytes each came from; `replay --by-message` cuts it the same way. A `.ksy` that does not compile stops the proxy
// from starting, in one line naming its line.
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'
import { startCliProxy } from '../helpers/cli-proxy'
import { connectTo, startServer, tempDir } from '../helpers/net'
import { seeded } from '../helpers/seeded'
import { ack, DEVICE_KSY, hello, reading } from '../core/protocols/ksy/ksy-frames'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Field {
  name: string
  value: string
  offset?: number
  length?: number
  children?: Field[]
}
const find = (fields: Field[] | undefined, name: string): Field | undefined => {
  for (const f of fields ?? []) {
    if (f.name === name) return f
    const inner = find(f.children, name)
    if (inner) return inner
  }
  return undefined
}

describe('proxy --frame ksy:FILE', () => {
  it('cuts a device that trickles and bursts its frames: each whole, once, with fields and their bytes', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const rnd = seeded(45)
    const frames = [hello(0, 'thermo-1', [2, 1, 0]), ...Array.from({ length: 30 }, (_, i) => reading(i + 1, i % 4, i * 37 - 600, Array.from({ length: i % 5 }, (_, j) => i * 10 + j)))]
    // The device: half its frames in pieces of 1 to 5 bytes (each write waited for), the rest in one write; then it ends.
    const device = await startServer((s) => {
      void (async () => {
        const trickle = Buffer.concat(frames.slice(0, 16))
        for (let at = 0; at < trickle.length; ) {
          const n = 1 + Math.floor(rnd() * 5)
          await new Promise((r) => s.write(trickle.subarray(at, at + n), r))
          at += n
        }
        await new Promise((r) => s.write(Buffer.concat(frames.slice(16)), r))
        s.end()
      })()
      s.resume()
    })
    cleanups.push(device.close)
    const capture = join(dir, 'device.tcap')
    const proxy = await startCliProxy({ target: `127.0.0.1:${device.port}`, capture, extra: ['--frame', `ksy:${DEVICE_KSY}`] })
    cleanups.push(() => proxy.stop('SIGKILL'))
    const client = await connectTo(proxy.port)
    const got: Buffer[] = []
    client.on('data', (d: Buffer) => got.push(d))
    // The client acks in pieces too.
    const acks = Buffer.concat([ack(100, 1, 0), ack(101, 2, 1)])
    for (let at = 0; at < acks.length; at += 3) await new Promise((r) => client.write(acks.subarray(at, at + 3), r))
    await once(client, 'end')
    client.end()
    await once(client, 'close')
    expect(Buffer.concat(got).equals(Buffer.concat(frames))).toBe(true)
    expect(await proxy.stop('SIGINT')).toBe(0)

    const json = await runCli(['show', capture, '--json'])
    expect(json.code).toBe(0)
    const messages = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { dir: string; size: number; offset: number; summary: string; error?: string; fields: Field[]; payload: { hex: string } })
    const server = messages.filter((m) => m.dir === 'server')
    expect(server.map((m) => [m.offset, m.size])).toEqual(frames.map((f, i) => [frames.slice(0, i).reduce((a, b) => a + b.length, 0), f.length]))
    expect(server.every((m) => m.error === undefined)).toBe(true)
    expect(messages.filter((m) => m.dir === 'client').map((m) => find(m.fields, 'acked_seq')?.value)).toEqual(['1', '2'])
    expect(find(server[0].fields, 'device_name')?.value).toBe('thermo-1')
    for (const [i, m] of server.slice(1).entries()) {
      const t = find(m.fields, 'temperature_centi')!
      expect(t.value).toBe(String(i * 37 - 600))
      const bytes = Buffer.from(m.payload.hex, 'hex')
      expect(bytes.readInt16BE(t.offset!)).toBe(i * 37 - 600)
      expect(t.length).toBe(2)
      expect(find(m.fields, 'samples')?.value).toBe(`[${i % 5}]`)
      expect(find(m.fields, 'kind')?.value).toBe('reading (2)')
    }

    // Replay by message cuts the recorded connection with the same .ksy: the device (still listening) sends its frames again.
    const replay = await runCli(['replay', capture, '--conn', '1', '--by-message', '--json'])
    const r = JSON.parse(replay.stdout) as { framing: string; steps: Array<{ sent?: { summary: string; size: number }; answers: Array<{ got?: { size: number } }> }> }
    expect(r.framing).toBe(`ksy:${DEVICE_KSY}`)
    // The device may speak before the client's first ack: its frames then come in a step of their own, with nothing sent.
    expect(r.steps.flatMap((s) => (s.sent ? [[s.sent.summary.startsWith('device_frame kind=ack (3)'), s.sent.size]] : []))).toEqual([
      [true, 11],
      [true, 11]
    ])
    // The device's frames came again, each cut whole (which step they answer depends on when they came).
    const again = r.steps.flatMap((s) => s.answers.map((a) => a.got?.size).filter((n) => n !== undefined))
    expect(again).toEqual(frames.map((f) => f.length))
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
