import { describe, expect, it } from 'vitest'
import { describeAll, findField, flatFields } from '../messages/described'
import { cut } from '../messages/cut'
import { codecOf as codec, testFiles } from '../messages/framing-files'
import { ack, concat, DEVICE_KSY, hello, reading } from './ksy-frames'

describe('ksy codec: the device frame', () => {
  const frames = [hello(1, 'probe-7', [1, 2, 3]), reading(2, 4, -1250, [10, 20, 30]), ack(3, 2, 0), reading(4, 5, 2210, [])]

  it('cuts every frame whole, once, whether pushed whole, in random pieces or a byte at a time', async () => {
    const c = await codec(`ksy:${DEVICE_KSY}`)
    const turns = [{ dir: 'client' as const, bytes: concat(frames) }]
    for (const split of ['whole', 'random', 'bytes'] as const) {
      const got = cut(c, turns, { split, seed: 7 })
      expect(got.map((m) => [m.offset, m.length, m.error])).toEqual(frames.map((f, i) => [frames.slice(0, i).reduce((a, b) => a + b.length, 0), f.length, undefined]))
    }
  })

  it('names every field as the .ksy does, with its value and bytes', async () => {
    const c = await codec(`ksy:${DEVICE_KSY}`)
    const [h, r] = describeAll(c, [{ dir: 'client', bytes: concat(frames) }])
    expect(flatFields(h.fields)).toEqual(
      expect.arrayContaining(['magic: 0x aa 55', 'kind: hello (1)', 'seq_no: 1', 'body_len: 11', 'body: hello', 'device_name: probe-7', 'firmware: [3]', '[2]: 3', 'frame_len: 19'])
    )
    const t = findField(r.fields, 'temperature_centi')!
    expect(t.value).toBe('-1250')
    // Its two bytes in the frame: magic 2, kind 1, seq 2, len 2, sensor 1, unit 1.
    expect([t.offset, t.length]).toEqual([9, 2])
    expect(Array.from(r.bytes.subarray(t.offset!, t.offset! + t.length!))).toEqual([0xfb, 0x1e])
    const samples = findField(r.fields, 'samples')!
    expect(samples.value).toBe('[3]')
    expect(samples.children!.map((s) => [s.name, s.value, s.offset, s.length])).toEqual([
      ['[0]', '10', 12, 2],
      ['[1]', '20', 14, 2],
      ['[2]', '30', 16, 2]
    ])
    expect(findField(r.fields, 'unit')!.value).toBe('celsius (0)')
    expect(r.summary).toContain('device_frame kind=reading (2)')
  })

  it('skips bytes that are no frame, says so, and cuts the frames after them', async () => {
    const c = await codec(`ksy:${DEVICE_KSY}`)
    const stream = concat([Uint8Array.from([1, 2, 3, 0xaa]), frames[0], Uint8Array.from([0xaa, 0x00]), frames[1]])
    const got = cut(c, [{ dir: 'client', bytes: stream }], { split: 'random', seed: 3 })
    const whole = got.filter((m) => !m.error)
    expect(whole.map((m) => m.length)).toEqual([frames[0].length, frames[1].length])
    const skipped = got.filter((m) => m.error)
    expect(skipped.reduce((a, m) => a + m.length, 0)).toBe(6)
    expect(skipped[0].error).toMatch(/^not a device_frame message: .*skipped$/)
  })

  it('cuts noise the same however it arrived: whole, in random pieces, a byte at a time (as a live capture and its file read it)', async () => {
    const c = await codec(`ksy:${DEVICE_KSY}`)
    // Noise before a frame, noise ending on a frame's first byte, and noise alone at the end.
    const noise = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0x7f)
    const stream = concat([noise, frames[0], noise.subarray(0, 40), Uint8Array.from([0xaa]), frames[1], noise.subarray(0, 9)])
    const turns = [{ dir: 'client' as const, bytes: stream }]
    const whole = cut(c, turns, { split: 'whole' }).map((m) => [m.offset, m.length, m.error ?? '', m.incomplete ?? false])
    expect(whole.filter(([, , error]) => error === '').map(([, length]) => length)).toEqual([frames[0].length, frames[1].length])
    for (const [split, seed] of [['random', 1], ['random', 2], ['random', 3], ['bytes', 0]] as const) {
      expect(cut(c, turns, { split, seed }).map((m) => [m.offset, m.length, m.error ?? '', m.incomplete ?? false]), `${split} ${seed}`).toEqual(whole)
    }
  })

  it('where bytes pass live (a breakpoint\'s framing, a replay\'s answers), gives noise up at once rather than wait on it', async () => {
    const c = await codec(`ksy:${DEVICE_KSY}`)
    const noise = Uint8Array.from([1, 2, 3, 4, 5])
    // Its last byte might start a frame: decoding waits to tell; a live cut gives up the four before it now, so nothing is held.
    expect(c.open().measure('client', noise)).toEqual({ need: 6 })
    expect(c.open({ live: true }).measure('client', noise)).toMatchObject({ length: 4, error: expect.stringMatching(/^not a device_frame message: .*; 4 bytes skipped$/) })
  })

  it('waits for the body a frame declares; the stream ending inside it says so', async () => {
    const c = await codec(`ksy:${DEVICE_KSY}`)
    const huge = Uint8Array.from([0xaa, 0x55, 2, 0, 1, 0xff, 0xff])
    const got = cut(c, [{ dir: 'client', bytes: concat([huge, frames[2]]) }], { split: 'bytes' })
    // 65535 is under the limit: it waits, and the stream's end says so.
    expect(got.at(-1)!.incomplete).toBe(true)
  })
})

describe('ksy codec: a message of nested fields', () => {
  const files = testFiles('tcpscope-ksy-blob-')
  // A type-and-length message whose payload is a type switched on an enum, its values sized by `*_len` fields.
  const BLOB_KSY = `meta:
  id: blob_msg
  endian: be
seq:
  - id: msg_type
    type: u2
    enum: msg_type
  - id: len
    type: u4
  - id: payload
    size: len
    type:
      switch-on: msg_type
      cases:
        'msg_type::put': put
        'msg_type::ack': ack
enums:
  msg_type:
    2: put
    3: ack
types:
  put:
    seq:
      - id: key_len
        type: u2
      - id: key
        type: str
        size: key_len
        encoding: UTF-8
      - id: value_len
        type: u4
      - id: value
        type: str
        size: value_len
        encoding: UTF-8
      - id: tag_count
        type: u1
      - id: tags
        type: u1
        repeat: expr
        repeat-expr: tag_count
  ack:
    seq:
      - id: status
        type: u1
`
  const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff]
  const u32 = (n: number): number[] => [...u16(n >>> 16), ...u16(n & 0xffff)]
  const blob = (type: number, payload: number[]): Uint8Array => Uint8Array.from([...u16(type), ...u32(payload.length), ...payload])
  const put = blob(2, [...u16(5), ...Buffer.from('color'), ...u32(4), ...Buffer.from('blue'), 2, 7, 9])

  it("summarises a nested type by its values before the lengths that size them, and marks with … what it leaves out", async () => {
    const c = await codec(`ksy:${files.file('blob.ksy', BLOB_KSY)}`)
    const [m, a] = describeAll(c, [{ dir: 'client', bytes: concat([put, blob(3, [0])]) }])
    expect(m.summary).toBe('blob_msg msg_type=put (2) len=18 payload=put{key=color value=blue …}')
    // All of a type shown: no mark.
    expect(a.summary).toBe('blob_msg msg_type=ack (3) len=1 payload=ack{status=0}')
  })

  it('names a number its enum does not hold by the enum as the .ksy names it', async () => {
    const c = await codec(`ksy:${files.file('blob.ksy', BLOB_KSY)}`)
    const [m] = describeAll(c, [{ dir: 'client', bytes: blob(7, [1, 2]) }])
    expect(findField(m.fields, 'msg_type')!.value).toBe('7 (not in msg_type)')
  })
})

describe('ksy fields in the message filter', () => {
  it('field:NAME=VALUE takes an enum by name or number; < and > compare numbers; - negates', async () => {
    const { parseMessageFilter } = await import('../../../../src/shared/message-filter')
    const c = await codec(`ksy:${DEVICE_KSY}`)
    const ms = describeAll(c, [{ dir: 'client', bytes: concat([reading(1, 1, -50, [1]), reading(2, 1, 2300, [2]), ack(3, 2, 0)]) }])
    const picked = (words: string): number[] => ms.filter((m) => parseMessageFilter(words)!.textTest!(m)).map((m) => m.offset)
    const [a, b, k] = ms.map((m) => m.offset)
    expect(picked('field:temperature_centi<0')).toEqual([a])
    expect(picked('field:temperature_centi>0')).toEqual([b])
    expect(picked('field:kind=reading')).toEqual([a, b])
    expect(picked('field:kind=3')).toEqual([k])
    expect(picked('-field:kind=reading')).toEqual([k])
    expect(() => parseMessageFilter('field:kind<warm')).toThrow('filter field:kind<warm: < takes a number')
  })
})
