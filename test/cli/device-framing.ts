// What the CLI tests of a device's own protocol share (ksy-proxy, script-proxy): a device-like
// peer that trickles then bursts its frames, `proxy --frame` between it and a client that
// acks in pieces, and what `show --json` and `replay --by-message` must say of the frames
// whatever the framing (each whole, once, with the same field names and their bytes). The
// tests then check what their own framing adds (summaries, misbehaving files).
import { once } from 'node:events'
import { join } from 'node:path'
import { expect } from 'vitest'
import { runCli } from '../helpers/cli'
import { startCliProxy } from '../helpers/cli-proxy'
import { connectTo, startServer } from '../helpers/net'
import { seeded } from '../helpers/seeded'
import { ack, hello, reading } from '../core/protocols/ksy/ksy-frames'

export interface Field {
  name: string
  value: string
  offset?: number
  length?: number
  children?: Field[]
}
/** A message as `show --json` gives it. */
export interface Shown {
  dir: string
  size: number
  offset: number
  summary: string
  error?: string
  fields: Field[]
  payload: { hex: string }
}

/** The first field of a tree (depth first) named `name`. */
export const find = (fields: Field[] | undefined, name: string): Field | undefined => {
  for (const f of fields ?? []) {
    if (f.name === name) return f
    const inner = find(f.children, name)
    if (inner) return inner
  }
  return undefined
}

/** The messages of `show --json`'s output (its other lines left out). */
export const shown = (stdout: string): Shown[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Shown & { type?: string })
    .filter((m) => m.type === undefined || m.type === 'message')

/** A hello, then 30 readings of varied temperatures and sample counts. */
export const deviceFrames = (): Uint8Array[] => [hello(0, 'thermo-1', [2, 1, 0]), ...Array.from({ length: 30 }, (_, i) => reading(i + 1, i % 4, i * 37 - 600, Array.from({ length: i % 5 }, (_, j) => i * 10 + j)))]

/** A device that sends half its frames in pieces of 1 to 5 bytes (each write waited for), the rest in one write, then ends. */
export async function device(frames: Uint8Array[]): Promise<{ port: number; close: () => Promise<void> }> {
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

/**
 * The device (deviceFrames()) through `proxy --frame <frame>` into `dir`/device.tcap, its client
 * acking in pieces of 3 bytes; every byte must arrive and the proxy stop cleanly. Then
 * `show --json` must list every frame whole, once, with its fields and their bytes. Returns
 * the capture and what show said; the device stays listening (for a replay).
 */
export async function proxyTheDevice(cleanups: Array<() => unknown>, dir: string, frame: string): Promise<{ capture: string; frames: Uint8Array[]; messages: Shown[] }> {
  const frames = deviceFrames()
  const peer = await device(frames)
  cleanups.push(peer.close)
  const capture = join(dir, 'device.tcap')
  const proxy = await startCliProxy({ target: `127.0.0.1:${peer.port}`, capture, extra: ['--frame', frame] })
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
  expect(find(server[0].fields, 'device_name')?.value).toBe('thermo-1')
  for (const [i, m] of server.slice(1).entries()) {
    const t = find(m.fields, 'temperature_centi')!
    expect(t.value).toBe(String(i * 37 - 600))
    expect(Buffer.from(m.payload.hex, 'hex').readInt16BE(t.offset!)).toBe(i * 37 - 600)
    expect(t.length).toBe(2)
    expect(find(m.fields, 'samples')?.value).toBe(`[${i % 5}]`)
    expect(find(m.fields, 'kind')?.value).toBe('reading (2)')
  }
  return { capture, frames, messages }
}

/**
 * `replay --by-message` of the device's connection: the framing is the one recorded, and the
 * device (still listening) sends its frames again, each cut whole (which step they answer
 * depends on when they came). Returns what each step sent: its summary and size.
 */
export async function replayTheDevice(capture: string, frame: string, frames: Uint8Array[]): Promise<Array<[string, number]>> {
  const replay = await runCli(['replay', capture, '--conn', '1', '--by-message', '--json'])
  const r = JSON.parse(replay.stdout) as { framing: string; steps: Array<{ sent?: { summary: string; size: number }; answers: Array<{ got?: { size: number } }> }> }
  expect(r.framing).toBe(frame)
  expect(r.steps.flatMap((s) => s.answers.map((a) => a.got?.size).filter((n) => n !== undefined))).toEqual(frames.map((f) => f.length))
  // The device may speak before the client's first ack: its frames then come in a step of their own, with nothing sent.
  return r.steps.flatMap((s) => (s.sent ? [[s.sent.summary, s.sent.size] as [string, number]] : []))
}
