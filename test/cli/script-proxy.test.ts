// `tcpscope proxy --frame script:FILE` between a device-like Node peer and its client, over
// real sockets: the device sends frames in pieces of 1 to 5 bytes and in one large coalesced
// write; `show --json` lists every frame whole, once, with the fields the script describes
// and the bytes each came from; `replay --by-message` cuts it the same way. Scripts that
// loop, throw or answer nonsense cost a bounded time and say so in one line, the proxy
// forwarding every byte as it came; a script that does not load stops the proxy from
// starting, in one line naming its line. The device and the checks every framing shares are
// device-framing.ts's.
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'
import { startCliProxy } from '../helpers/cli-proxy'
import { connectTo, startServer, tempDir, waitFor } from '../helpers/net'
import { reading } from '../core/protocols/ksy/ksy-frames'
import { DEVICE_SCRIPT } from '../core/protocols/script/script-files'
import { device, find, proxyTheDevice, replayTheDevice, shown, type Shown } from './device-framing'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('proxy --frame script:FILE', () => {
  it('cuts a device that trickles and bursts its frames: each whole, once, with the script\'s fields and their bytes; scripts that loop, throw or answer nonsense say so in one line', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const frame = `script:${DEVICE_SCRIPT}`
    const { capture, frames, messages } = await proxyTheDevice(cleanups, dir, frame)
    expect(messages.filter((m) => m.dir === 'client').map((m) => [m.summary, find(m.fields, 'acked_seq')?.value])).toEqual([
      ['ack #100', '1'],
      ['ack #101', '2']
    ])

    // Replay by message cuts the recorded connection with the same script.
    expect(await replayTheDevice(capture, frame, frames)).toEqual([
      ['ack #100', 11],
      ['ack #101', 11]
    ])

    // The same capture read with scripts that misbehave: each says what and where in one line, and show goes on.
    const script = (name: string, text: string): string => {
      const path = join(dir, name)
      writeFileSync(path, text)
      return path
    }
    const withScript = async (path: string): Promise<Shown[]> => {
      const res = await runCli(['show', capture, '--json', '--frame', `script:${path}`])
      expect(res.code).toBe(0)
      return shown(res.stdout)
    }
    const header = 'const len = (b) => (b.length < 7 ? null : 8 + ((b[5] << 8) | b[6]))\n'
    const spin = script('spin.js', `${header}export function frame(b) {\n  if (b.length >= 7 && b[2] === 2) for (;;) {}\n  return len(b)\n}\n`)
    const spun = (await withScript(spin)).filter((m) => m.dir === 'server')
    // The hello is cut; the first reading's frame() runs past its budget: the direction stops there, in one message in error.
    expect(spun.map((m) => m.size)).toEqual([frames[0].length, frames.slice(1).reduce((a, b) => a + b.length, 0)])
    expect(spun[1].error).toBe('frame() gave no answer within its 250 ms budget (a loop? spin.js); the script starts again for what follows: cutting stops here')

    const thrower = script('throws.js', `${header}export function frame(b) {\n  return len(b)\n}\nexport function describe(m) {\n  if (m[2] === 2) throw new TypeError('no readings yet')\n  return { summary: 'fine' }\n}\n`)
    const thrown = (await withScript(thrower)).filter((m) => m.dir === 'server')
    expect(thrown.map((m) => m.size)).toEqual(frames.map((f) => f.length))
    expect(thrown[0].summary).toBe('fine')
    expect(thrown[1].summary).toBe('describe() threw: TypeError: no readings yet (throws.js:6)')

    const garbage = script('garbage.js', `export function frame(b) {\n  return { length: 3 }\n}\n`)
    const junk = (await withScript(garbage)).filter((m) => m.dir === 'server')
    expect(junk.map((m) => [m.size, m.error])).toEqual([
      [Buffer.concat(frames).length, "frame() returned an object without need or skip: return the message's length (a whole number > 0), null or { need: N } for more bytes, or { skip: N } for bytes that are no message (garbage.js): cutting stops here"]
    ])
  })

  it('a script that loops, cutting for a message breakpoint in the proxy itself: stopped at its budget, and every byte still forwarded exactly', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const frames = Array.from({ length: 40 }, (_, i) => reading(i, i % 3, i * 11, [i]))
    const peer = await device(frames)
    cleanups.push(peer.close)
    const spin = join(dir, 'spin.js')
    // It cuts the device's frames, and loops on the 6th.
    writeFileSync(spin, 'export function frame(b) {\n  if (b.length < 7) return null\n  if (b[4] === 5) for (;;) {}\n  return 8 + ((b[5] << 8) | b[6])\n}\n')
    const capture = join(dir, 'spin.tcap')
    const proxy = await startCliProxy({ target: `127.0.0.1:${peer.port}`, capture, extra: ['--frame', `script:${spin}`, '--break', 'message=field:never=1'] })
    cleanups.push(() => proxy.stop('SIGKILL'))
    const client = await connectTo(proxy.port)
    const got: Buffer[] = []
    client.on('data', (d: Buffer) => got.push(d))
    await once(client, 'end')
    client.end()
    await once(client, 'close')
    expect(Buffer.concat(got).equals(Buffer.concat(frames))).toBe(true)
    expect(await proxy.stop('SIGINT')).toBe(0)
  })

  it('a TypeScript script is run as it is; one that does not load stops the proxy from starting, in one line with its line', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const typed = join(dir, 'lines.ts')
    writeFileSync(typed, 'export function frame(bytes: Uint8Array): number | null {\n  const end: number = bytes.indexOf(10)\n  return end < 0 ? null : end + 1\n}\nexport function describe(m: Uint8Array): { summary: string; fields: Array<{ name: string; value: string; offset: number; length: number }> } {\n  const text = new TextDecoder().decode(m).trim()\n  return { summary: `line: ${text}`, fields: [{ name: "text", value: text, offset: 0, length: m.length - 1 }] }\n}\n')
    const peer = await startServer((s) => {
      s.on('data', (d: Buffer) => s.write(d))
      s.on('end', () => s.end())
    })
    cleanups.push(peer.close)
    const capture = join(dir, 'lines.tcap')
    const proxy = await startCliProxy({ target: `127.0.0.1:${peer.port}`, capture, extra: ['--frame', `script:${typed}`] })
    cleanups.push(() => proxy.stop('SIGKILL'))
    const client = await connectTo(proxy.port)
    let echoed = ''
    client.on('data', (d: Buffer) => (echoed += d.toString()))
    client.write('one\ntw')
    client.write('o\nthree\n')
    await waitFor(() => echoed === 'one\ntwo\nthree\n', 'the lines echoed')
    client.end()
    await once(client, 'close')
    expect(await proxy.stop('SIGINT')).toBe(0)
    const json = await runCli(['show', capture, '--json'])
    const client1 = shown(json.stdout).filter((m) => m.dir === 'client')
    expect(client1.map((m) => [m.summary, find(m.fields, 'text')?.value, find(m.fields, 'text')?.length])).toEqual([
      ['line: one', 'one', 3],
      ['line: two', 'two', 3],
      ['line: three', 'three', 5]
    ])

    const bad = join(dir, 'bad.ts')
    writeFileSync(bad, 'export function frame(bytes: Uint8Array): number {\n  return bytes.length +\n}\n')
    const r = await runCli(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:9', '--frame', `script:${bad}`])
    expect(r.code).not.toBe(0)
    expect(r.stderr.trim()).toMatch(new RegExp(`^tcpscope: ${bad}:3: [^\\n]+$`))
    const none = join(dir, 'none.js')
    writeFileSync(none, 'export const x = 1\n')
    const n = await runCli(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:9', '--frame', `script:${none}`])
    expect(n.stderr.trim()).toBe(`tcpscope: ${none} exports no frame function: a script: framing needs export function frame(bytes, ctx) that returns the next message's length`)
  })
})
