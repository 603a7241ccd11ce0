// `tcpscope proxy --frame script:FILE` between a device-like Node peer and its client, over
// real sockets: the device sends frames in pieces of 1 to 5 bytes and in one large coalesced
// write; `show --json` lists every frame whole, once, with the fields the script describes
// and the bytes each came from; `replay --by-message` cuts it the same way. Scripts that
// loop, throw or answer nonsense cost a bounded time and say so in one line, the proxy
// forwarding every byte as it came; a script that does not load stops the proxy from
// starting, in one line naming its line.
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli'
import { startCliProxy } from '../helpers/cli-proxy'
import { connectTo, startServer, tempDir, waitFor } from '../helpers/net'
import { seeded } from '../helpers/seeded'
import { ack, hello, reading } from '../core/protocols/ksy/ksy-frames'
import { DEVICE_SCRIPT } from '../core/protocols/script/script-files'

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
interface Shown {
  dir: string
  size: number
  offset: number
  summary: string
  error?: string
  fields: Field[]
  payload: { hex: string }
}
const find = (fields: Field[] | undefined, name: string): Field | undefined => {
  for (const f of fields ?? []) {
    if (f.name === name) return f
    const inner = find(f.children, name)
    if (inner) return inner
  }
  return undefined
}
const shown = (stdout: string): Shown[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Shown & { type?: string })
    .filter((m) => m.type === undefined || m.type === 'message')

/** A device that sends half its frames in pieces of 1 to 5 bytes (each write waited for), the rest in one write, then ends. */
async function device(frames: Uint8Array[]): Promise<{ port: number; close: () => Promise<void> }> {
  const rnd = seeded(45)
  return startServer((s) => {
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
}

describe('proxy --frame script:FILE', () => {
  it('cuts a device that trickles and bursts its frames: each whole, once, with the script\'s fields and their bytes; scripts that loop, throw or answer nonsense say so in one line', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const frames = [hello(0, 'thermo-1', [2, 1, 0]), ...Array.from({ length: 30 }, (_, i) => reading(i + 1, i % 4, i * 37 - 600, Array.from({ length: i % 5 }, (_, j) => i * 10 + j)))]
    const peer = await device(frames)
    cleanups.push(peer.close)
    const capture = join(dir, 'device.tcap')
    const proxy = await startCliProxy({ target: `127.0.0.1:${peer.port}`, capture, extra: ['--frame', `script:${DEVICE_SCRIPT}`] })
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
    const messages = shown(json.stdout)
    const server = messages.filter((m) => m.dir === 'server')
    expect(server.map((m) => [m.offset, m.size])).toEqual(frames.map((f, i) => [frames.slice(0, i).reduce((a, b) => a + b.length, 0), f.length]))
    expect(server.every((m) => m.error === undefined)).toBe(true)
    expect(messages.filter((m) => m.dir === 'client').map((m) => [m.summary, find(m.fields, 'acked_seq')?.value])).toEqual([
      ['ack #100', '1'],
      ['ack #101', '2']
    ])
    expect(find(server[0].fields, 'device_name')?.value).toBe('thermo-1')
    for (const [i, m] of server.slice(1).entries()) {
      const t = find(m.fields, 'temperature_centi')!
      expect(t.value).toBe(String(i * 37 - 600))
      expect(Buffer.from(m.payload.hex, 'hex').readInt16BE(t.offset!)).toBe(i * 37 - 600)
      expect(t.length).toBe(2)
      expect(find(m.fields, 'samples')?.value).toBe(`[${i % 5}]`)
      expect(find(m.fields, 'kind')?.value).toBe('reading (2)')
    }

    // Replay by message cuts the recorded connection with the same script: the device (still listening) sends its frames again.
    const replay = await runCli(['replay', capture, '--conn', '1', '--by-message', '--json'])
    const r = JSON.parse(replay.stdout) as { framing: string; steps: Array<{ sent?: { summary: string; size: number }; answers: Array<{ got?: { size: number } }> }> }
    expect(r.framing).toBe(`script:${DEVICE_SCRIPT}`)
    // The device may speak before the client's first ack: its frames then come in a step of their own, with nothing sent.
    expect(r.steps.flatMap((s) => (s.sent ? [[s.sent.summary, s.sent.size]] : []))).toEqual([
      ['ack #100', 11],
      ['ack #101', 11]
    ])
    expect(r.steps.flatMap((s) => s.answers.map((a) => a.got?.size).filter((n) => n !== undefined))).toEqual(frames.map((f) => f.length))

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
    expect(spun[1].error).toBe('frame() gave no answer within its 250 ms budget (a loop?); the script starts again for what follows: cutting stops here')

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
