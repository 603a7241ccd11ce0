import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { describeAll, findField, flatFields, mutate } from '../messages/described'
import { cut, seeded } from '../messages/cut'
import { codecOf as codec, loadError, testFiles } from '../messages/framing-files'
import { ack, concat, DEVICE_KSY, GAME_KSY, hello, reading, TLV_KSY } from './ksy-frames'

const { dir, file: ksyFile } = testFiles('tcpscope-ksy-')

describe('ksy: files that do not compile', () => {
  it("says the compiler's message with the line it names, in one line", async () => {
    const path = ksyFile('bad.ksy', 'meta:\n  id: bad\nseq:\n  - id: a\n    type: u1\n  - id: b\n    type: no_such_type\n')
    expect(await loadError(`ksy:${path}`)).toBe(`${path}:7: /seq/1/type: unable to find type 'no_such_type', searching from bad`)
  })

  it('says where YAML that is none goes wrong, and what a missing file is', async () => {
    const path = ksyFile('notyaml.ksy', 'meta:\n  id: x\nseq: [\n  - id: a\n')
    const err = await loadError(`ksy:${path}`)
    expect(err).toMatch(new RegExp(`^${path}:\\d+: not YAML: `))
    expect(err).not.toContain('\n')
    expect(await loadError(`ksy:${join(dir, 'absent.ksy')}`)).toBe(`cannot read ksy:${join(dir, 'absent.ksy')}: no such file`)
  })

  it('instances whose values depend on each other are named with the line of the first, not as "does not compile: a"', async () => {
    const path = ksyFile('cycle.ksy', 'meta:\n  id: cycle\nseq:\n  - id: n\n    type: u1\ninstances:\n  a:\n    value: b + 1\n  b:\n    value: a + 1\n')
    expect(await loadError(`ksy:${path}`)).toBe(
      `${path}:7: instances/a: its type cannot be worked out: its value depends on itself, directly or through other instances (as a: b + 1 with b: a + 1); break the cycle`
    )
  })

  it('a bad expression gets its line too', async () => {
    const path = ksyFile('expr.ksy', 'meta:\n  id: expr\nseq:\n  - id: n\n    type: u1\n  - id: body\n    size: n +\n')
    expect(await loadError(`ksy:${path}`)).toMatch(new RegExp(`^${path}:7: /seq/1/size: parsing expression 'n \\+' failed`))
  })

  it('an expression naming a field that does not exist gets the line and path of the expression', async () => {
    const types = 'types:\n  inner:\n    seq:\n      - id: x\n        type: u1\n      - id: y\n        size: x_typo\n'
    const path = ksyFile('typo.ksy', `meta:\n  id: typo\nseq:\n  - id: kind\n    type: u1\n  - id: body\n    type:\n      switch-on: kind_typo\n      cases:\n        1: inner\n${types}`)
    expect(await loadError(`ksy:${path}`)).toBe(`${path}:8: /seq/1/type/switch-on: unable to access 'kind_typo' in typo context`)
    const nested = ksyFile('nested.ksy', `meta:\n  id: nested\nseq:\n  - id: body\n    type: inner\n${types}`)
    expect(await loadError(`ksy:${nested}`)).toMatch(new RegExp(`^${nested}:12: /types/inner/seq/1/size: unable to access 'x_typo' in `))
  })
})

describe('ksy: hostile sizes and loops are bounded', () => {
  it('a process: zlib body that inflates past the message limit is said, not inflated', async () => {
    const path = ksyFile('zlib.ksy', 'meta:\n  id: zipped\n  endian: be\nseq:\n  - id: len\n    type: u2\n  - id: body\n    size: len\n    process: zlib\n')
    const c = await codec(`ksy:${path}`)
    const bomb = deflateSync(Buffer.alloc(17 * 1024 * 1024))
    const msg = concat([Uint8Array.from([bomb.length >> 8, bomb.length & 0xff]), bomb])
    const text = JSON.stringify(describeAll(c, [{ dir: 'client', bytes: msg }]).map((m) => [m.error, m.summary, m.fields]))
    expect(text).toContain('process: zlib inflates to more than 16777216 bytes: not decoded')
  })

  // A magic, a length, a zlib body and a field after it: the body's raw size gives the message's end even when it cannot be inflated.
  const zipped = (body: string): string => `meta:\n  id: zipped\n  endian: be\nseq:\n  - id: magic\n    contents: [0x5a]\n  - id: len\n    type: u2\n  - id: body\n    size: len\n    process: zlib\n${body}  - id: seq_no\n    type: u1\n`
  const zippedMessage = (raw: Uint8Array, seqNo: number): Uint8Array => concat([Uint8Array.from([0x5a, raw.length >> 8, raw.length & 0xff]), raw, Uint8Array.from([seqNo])])
  // Zeros inflating to 20 MiB, past the 16 MiB bound: some 20 KiB of zlib.
  const bomb = (): Uint8Array => new Uint8Array(deflateSync(Buffer.alloc(20 * 1024 * 1024)))
  const ZLIB_BOUND = 'does not parse as zipped: process: zlib inflates to more than 16777216 bytes: not decoded'

  it('a message whose zlib body inflates past the bound is cut at its raw size, in error when described; the messages around it decode', async () => {
    const c = await codec(`ksy:${ksyFile('zlib-stream.ksy', zipped(''))}`)
    const frames = [zippedMessage(new Uint8Array(deflateSync(Buffer.from('hello'))), 1), zippedMessage(bomb(), 2), zippedMessage(new Uint8Array(deflateSync(Buffer.from('world'))), 3)]
    for (const split of ['whole', 'random'] as const) {
      const got = describeAll(c, [{ dir: 'client', bytes: concat(frames) }], { split, seed: 11 })
      expect(got.map((m) => [m.offset, m.length, m.error])).toEqual(frames.map((f, i) => [frames.slice(0, i).reduce((a, b) => a + b.length, 0), f.length, undefined]))
      expect(flatFields(got[0].fields)).toEqual(expect.arrayContaining(['len: 13', 'body: 0x 68 65 6c 6c 6f', 'seq_no: 1']))
      expect(got[0].described.error).toBeUndefined()
      expect(got[1].described.error).toBe(ZLIB_BOUND)
      expect(got[1].summary).toContain(ZLIB_BOUND)
      expect(flatFields(got[2].fields)).toEqual(expect.arrayContaining(['len: 13', 'body: 0x 77 6f 72 6c 64', 'seq_no: 3']))
      expect(got[2].described.error).toBeUndefined()
    }
  }, 20_000)

  it('the same when the zlib body is parsed as a type: its substream is not read while cutting, the fields after it are', async () => {
    const c = await codec(`ksy:${ksyFile('zlib-typed.ksy', `${zipped('    type: text\n')}types:\n  text:\n    seq:\n      - id: n\n        type: u1\n      - id: words\n        size: n\n        type: str\n        encoding: ASCII\n      - id: rest\n        size-eos: true\n`)}`)
    const text = (s: string): Uint8Array => new Uint8Array(deflateSync(Buffer.from([s.length, ...Buffer.from(s), 7, 7])))
    const frames = [zippedMessage(text('hello'), 1), zippedMessage(bomb(), 2), zippedMessage(text('world'), 3)]
    const got = describeAll(c, [{ dir: 'client', bytes: concat(frames) }], { split: 'random', seed: 12 })
    expect(got.map((m) => [m.length, m.error])).toEqual(frames.map((f) => [f.length, undefined]))
    expect(flatFields(got[0].fields)).toEqual(expect.arrayContaining(['n: 5', 'words: hello', 'seq_no: 1']))
    expect(got[1].described.error).toBe(ZLIB_BOUND)
    expect(flatFields(got[2].fields)).toEqual(expect.arrayContaining(['n: 5', 'words: world', 'seq_no: 3']))
    // The bomb's substream is not read while cutting: a body cut in two waits for the rest, then is one message.
    const waited = cut(c, [{ dir: 'client', bytes: frames[1].subarray(0, 100) }, { dir: 'client', bytes: frames[1].subarray(100) }])
    expect(waited.map((m) => [m.length, m.error])).toEqual([[frames[1].length, undefined]])
  }, 20_000)

  it('a size worked out from a zlib body past the bound is not guessed: cutting says the message has no known end, with the bound', async () => {
    const path = ksyFile('zlib-sized.ksy', 'meta:\n  id: sized\n  endian: be\nseq:\n  - id: len\n    type: u2\n  - id: body\n    size: len\n    process: zlib\n    type: text\n  - id: extra\n    size: body.n\ntypes:\n  text:\n    seq:\n      - id: n\n        type: u1\n')
    const conn = (await codec(`ksy:${path}`)).open()
    const message = (raw: Uint8Array, extra: number[]): Uint8Array => concat([Uint8Array.from([raw.length >> 8, raw.length & 0xff]), raw, Uint8Array.from(extra)])
    const good = message(new Uint8Array(deflateSync(Buffer.from([2]))), [7, 7])
    expect(conn.measure('client', good)).toBe(good.length)
    // Its second byte might start a message of 43,387 bytes: cutting waits for them, and says what the first was once they come or the stream ends.
    const bytes = message(bomb(), [7, 7])
    expect(conn.measure('client', bytes)).toEqual({ need: 43387 })
    expect(conn.settle!('client', bytes)).toEqual({
      error: 'not a sized message: a size is worked out from content that was not decoded (past a field not decoded: process: zlib inflates to more than 16777216 bytes: not decoded); 1 byte skipped',
      length: 1
    })
  })

  it('a size: 0xffffffff is a note on the bytes, not a 4 GiB wait or allocation', async () => {
    const path = ksyFile('huge.ksy', 'meta:\n  id: huge\n  endian: be\nseq:\n  - id: magic\n    contents: [0x7e]\n  - id: len\n    type: u4\n  - id: body\n    size: len\n')
    const c = await codec(`ksy:${path}`)
    const ok = Uint8Array.from([0x7e, 0, 0, 0, 2, 9, 9])
    const got = cut(c, [{ dir: 'client', bytes: concat([Uint8Array.from([0x7e, 0xff, 0xff, 0xff, 0xff, 1, 2]), ok]) }], { split: 'random', seed: 5 })
    expect(got[0].error).toMatch(/needs 4,294,967,300 bytes, over the 16.0 MiB message limit/)
    expect(got.filter((m) => !m.error).map((m) => m.length)).toEqual([7])
  })

  it('a repeat that never ends runs out of its budget; the connection then stops being cut', async () => {
    const path = ksyFile('loop.ksy', 'meta:\n  id: loop\nseq:\n  - id: a\n    type: u1\n  - id: nothing\n    type: empty\n    repeat: until\n    repeat-until: false\ntypes:\n  empty: {}\n')
    const c = await codec(`ksy:${path}`)
    const got = cut(c, [{ dir: 'client', bytes: Uint8Array.from([1, 2, 3, 4, 5, 6]) }])
    expect(got.at(-1)!.error).toMatch(/parses ran past their budget \(of time, or of items\): cutting stops here/)
  }, 20_000)

  it('a message of 12 zlib fields, more than the 4 inflaters made for a run at first, is parsed whole, and the next messages too', async () => {
    // Inflaters are made before a run (inflate-engines.ts): one that runs out goes again with twice as many.
    const path = ksyFile('many-zlib.ksy', 'meta:\n  id: many\n  endian: be\nseq:\n  - id: parts\n    type: part\n    repeat: expr\n    repeat-expr: 12\ntypes:\n  part:\n    seq:\n      - id: len\n        type: u1\n      - id: body\n        size: len\n        process: zlib\n        type: text\n  text:\n    seq:\n      - id: words\n        size-eos: true\n        type: str\n        encoding: ASCII\n')
    const c = await codec(`ksy:${path}`)
    const message = (k: number): Buffer =>
      Buffer.concat(
        Array.from({ length: 12 }, (_, i) => {
          const z = deflateSync(Buffer.from(`part ${i} of message ${k}`))
          return Buffer.concat([Buffer.of(z.length), z])
        })
      )
    for (let k = 0; k < 3; k++) {
      const d = c.describe('client', message(k), {}, message(k).length, true)
      expect(d.error).toBeUndefined()
      expect(flatFields(d.fields).filter((f) => f.startsWith('words: '))).toEqual(Array.from({ length: 12 }, (_, i) => `words: part ${i} of message ${k}`))
    }
    expect(cut(c, [{ dir: 'client', bytes: concat([message(0), message(1)]) }]).map((m) => [m.length, m.error])).toEqual([
      [message(0).length, undefined],
      [message(1).length, undefined]
    ])
  })

  it('a loop of zlib items stops at 256 of them in a message: one line, not a long parse', async () => {
    // Each item inflates the message again to test its end. Each zlib field has an inflater
    // made before the run (inflate-engines.ts): a message's 256 are the bound, long before its
    // time (this ran out of its 250 ms before that bound, making an inflater for each item).
    const path = ksyFile('slow.ksy', 'meta:\n  id: slow\nseq:\n  - id: items\n    type: again\n    repeat: until\n    repeat-until: _.copy.size == 0\ntypes:\n  again:\n    instances:\n      copy:\n        io: _root._io\n        pos: 0\n        size: _root._io.size\n        process: zlib\n')
    const c = await codec(`ksy:${path}`)
    const zipped = deflateSync(Buffer.alloc(1))
    const d = c.describe('client', zipped, {}, zipped.length, true)
    expect(d.error).toBe('does not parse as slow: more than 256 process: zlib fields in one message')
  }, 20_000)

  it('a billion repeats of nothing (size: 0) stop at the items bound: one line, and a small heap, not half a GiB', async () => {
    const path = ksyFile('zero.ksy', 'meta:\n  id: zero\nseq:\n  - id: a\n    type: u1\n  - id: items\n    size: 0\n    repeat: expr\n    repeat-expr: 1000000000\n')
    const c = await codec(`ksy:${path}`)
    const before = process.memoryUsage().heapUsed
    const started = performance.now()
    const got = cut(c, [{ dir: 'client', bytes: Uint8Array.from([1, 2, 3]) }])
    const d = c.describe('client', Uint8Array.from([1]), {}, 1, true)
    const grew = process.memoryUsage().heapUsed - before
    const bound = 'the parse made more than 100,000 fields and repeated items, the most one message may have (a repeat-expr or repeat-until too large for a message, or a repeat of something that reads no bytes, such as size: 0?): bound the repeat, or read a long array as bytes (size: N)'
    expect(got.map((m) => m.error)).toEqual([`not a zero message: ${bound}; 3 bytes skipped`])
    expect(d.error).toBe(`does not parse as zero: ${bound}`)
    expect(d.error).not.toContain('\n')
    // Before the bound, the time budget alone stopped each run: over 200 MiB of heap (0.5 GiB seen).
    expect(grew).toBeLessThan(100 * 1024 * 1024)
    expect(performance.now() - started).toBeLessThan(5000)
  }, 20_000)

  it('items that each copy the whole message stop at the bytes bound, not at GiBs', async () => {
    const path = ksyFile('copies.ksy', 'meta:\n  id: copies\nseq:\n  - id: items\n    type: again\n    repeat: expr\n    repeat-expr: 4000\ntypes:\n  again:\n    instances:\n      copy:\n        io: _root._io\n        pos: 0\n        size: _root._io.size\n        pad-right: 0x20\n')
    const c = await codec(`ksy:${path}`)
    // 33 MiB: the first item's copy would pass the 32 MiB bound, and is counted before it is
    // made, so nothing is copied and the parse's time budget (250 ms of wall time, which two
    // copies of 16 MiB once took on a loaded machine) cannot decide instead.
    const msg = new Uint8Array(33 * 1024 * 1024)
    const before = process.memoryUsage()
    const d = c.describe('client', msg, {}, msg.length, true)
    const after = process.memoryUsage()
    expect(d.error).toBe('does not parse as copies: the parse made more than 32.0 MiB of strings and processed bytes, the most one message may (a repeat over the same bytes with pos:?): bound the repeat, or decode the field once')
    // Before the bound, only the time budget stopped it: 160 MiB of copies and more, each kept until the run ended.
    expect(after.rss - before.rss).toBeLessThan(300 * 1024 * 1024)
  }, 20_000)

  it('a type that holds itself with nothing to end it says so, not as V8\'s stack error', async () => {
    const path = ksyFile('self.ksy', 'meta:\n  id: self\nseq:\n  - id: inner\n    type: self\n')
    const c = await codec(`ksy:${path}`)
    const [m] = describeAll(c, [{ dir: 'client', bytes: Uint8Array.from([1, 2, 3]) }], { split: 'bytes' })
    expect(m.error).toMatch(/its types nest too deep \(a type that holds itself, directly or through others, with nothing to end it\?\): the parse ran out of stack/)
    expect(JSON.stringify(m)).not.toMatch(/RangeError|Maximum call stack/)
  })

  it('a type that reads to its stream end says to cut it within a plain framing; within= does', async () => {
    const eos = await codec(`ksy:${GAME_KSY}`)
    const packet = gamePacket()
    const stopped = cut(eos, [{ dir: 'server', bytes: packet }])
    expect(stopped[0].error).toBe(`ksy:${GAME_KSY}: its top-level type reads to the end of its stream (repeat: eos, size-eos or _io.eof), so a message has no end of its own: cut it with a plain framing, e.g. --frame ksy:${GAME_KSY},within=length:size=2`)
    const within = await codec(`ksy:${GAME_KSY},within=length:size=2`)
    const [a, b] = describeAll(within, [{ dir: 'server', bytes: concat([packet, packet]) }], { split: 'bytes' })
    expect(a.length).toBe(packet.length)
    expect(b.length).toBe(packet.length)
    expect(flatFields(a.fields)).toEqual(expect.arrayContaining(['reliable: true', 'compressed: false', 'channel: 5', 'tick: 77', 'player: neo', 'kind: move (1)', 'x: 1.5', 'y: -2', 'text: gg', 'first_event_kind: move (1)']))
    // events[1] is the chat: its data's `text` (not `text_len`).
    const text = findField(findField(a.fields, 'events')!.children![1].children, 'data')!.children!.find((f) => f.name === 'text')!
    expect(Buffer.from(a.bytes.subarray(text.offset!, text.offset! + text.length!)).toString()).toBe('gg')
  })

  it('TLV records: repeated nested types, a switch on the tag, floats and strings', async () => {
    const c = await codec(`ksy:${TLV_KSY}`)
    const msg = Uint8Array.from([1, 3, 1, 5, ...Buffer.from('hello'), 2, 4, 7, 0, 0, 0, 3, 4, 0, 0, 0x40, 0x3f])
    const [m] = describeAll(c, [{ dir: 'client', bytes: msg }], { split: 'bytes' })
    expect(m.length).toBe(msg.length)
    expect(flatFields(m.fields)).toEqual(expect.arrayContaining(['records: [3]', 'tag: name (1)', 'text: hello', 'count: 7', 'ratio: 0.75']))
  })

  it('2,000 mutated device frames: no throw, every byte in exactly one message, each parse bounded', async () => {
    const c = await codec(`ksy:${DEVICE_KSY}`)
    const rnd = seeded(45)
    const turns = Array.from({ length: 2000 }, (_, i) => ({ dir: 'client' as const, bytes: [hello(i, 'dev', [1, 0, i & 0xff]), reading(i, i & 7, i * 3 - 3000, [i, i + 1]), ack(i, i, 0)][i % 3] }))
    const bad = mutate(turns, rnd)
    const total = bad.reduce((a, t) => a + t.bytes.length, 0)
    const got = describeAll(c, bad, { split: 'random', seed: 9 })
    expect(got.reduce((a, m) => a + m.length, 0)).toBe(total)
    let at = 0
    for (const m of got) {
      expect(m.offset).toBe(at)
      at += m.length
      expect(m.summary.length).toBeLessThanOrEqual(200)
    }
    // A mutated length swallows the frames after it (as any length framing does); bytes that are no frame are skipped.
    expect(got.some((m) => m.error?.startsWith('not a device_frame message: '))).toBe(true)
    expect(got.filter((m) => !m.error).length).toBeGreaterThan(0)
  }, 25_000)
})

function gamePacket(): Uint8Array {
  const f32 = (n: number): number[] => {
    const b = Buffer.alloc(4)
    b.writeFloatBE(n)
    return [...b]
  }
  const body = [0b10_000101, 0, 0, 0, 77, ...Buffer.from('neo     '), 1, ...f32(1.5), ...f32(-2), 2, 2, ...Buffer.from('gg')]
  return Uint8Array.from([body.length >> 8, body.length & 0xff, ...body])
}
