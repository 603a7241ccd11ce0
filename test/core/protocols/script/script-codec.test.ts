// `script:FILE` framings, loaded as the engine loads them (framing-files.ts) and run in the
// built script worker (out/cli/script-worker.cjs) in framing mode: the example device script
// cuts a stream however it is pushed and describes each frame with named fields and their
// bytes; a TypeScript script loses only its types; scripts that cannot load, throw, loop or
// answer nonsense are one line each, and the engine goes on.
import { writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseFrameSpec, formatFrameSpec } from '../../../../src/shared/message-types'
import { loadFraming } from '../../../../src/core/decode/messages/framing-files'
import { setFramingWorkerFile } from '../../../../src/core/script-framing/script-registry'
import { describeAll, findField, flatFields } from '../messages/described'
import { cut, cutWith, type Turn } from '../messages/cut'
import { codecOf as codec, loadError as frameLoadError, testFiles } from '../messages/framing-files'
import { ack, concat, hello, reading } from '../ksy/ksy-frames'
import { DEVICE_SCRIPT } from './script-files'

const { dir, file: scriptFile } = testFiles('tcpscope-script-framing-')
beforeAll(() => setFramingWorkerFile(resolve(__dirname, '../../../../out/cli/script-worker.cjs')))

const loadError = (path: string): Promise<string> => frameLoadError(`script:${path}`)

describe('script: framing, the example device script', () => {
  const frames = [hello(1, 'probe-7', [1, 2, 3]), reading(2, 4, -1250, [10, 20, 30]), ack(3, 2, 0), reading(4, 5, 2210, [])]

  it('is parsed and shown as --frame takes it, a path with commas and colons whole', () => {
    expect(parseFrameSpec('script:C:\\decoders\\a,b.js')).toEqual({ kind: 'script', path: 'C:\\decoders\\a,b.js' })
    expect(formatFrameSpec(parseFrameSpec(`script:${DEVICE_SCRIPT}`))).toBe(`script:${DEVICE_SCRIPT}`)
    expect(() => parseFrameSpec('script:')).toThrow(/script needs a file: script:FILE.js/)
  })

  it('cuts every frame whole, once, whether pushed whole, in random pieces or a byte at a time', async () => {
    const c = await codec(`script:${DEVICE_SCRIPT}`)
    const turns = [{ dir: 'server' as const, bytes: concat(frames) }]
    for (const split of ['whole', 'random', 'bytes'] as const) {
      const got = cut(c, turns, { split, seed: 7 })
      expect(got.map((m) => [m.offset, m.length, m.error])).toEqual(frames.map((f, i) => [frames.slice(0, i).reduce((a, b) => a + b.length, 0), f.length, undefined]))
    }
  })

  it('describes each frame with its fields, values and bytes', async () => {
    const c = await codec(`script:${DEVICE_SCRIPT}`)
    const [h, r] = describeAll(c, [{ dir: 'client', bytes: concat(frames) }])
    expect(flatFields(h.fields)).toEqual(expect.arrayContaining(['magic: 0x aa 55', 'kind: hello (1)', 'seq_no: 1', 'body_len: 11', 'device_name: probe-7', 'firmware: 1.2.3']))
    const t = findField(r.fields, 'temperature_centi')!
    expect([t.value, t.offset, t.length]).toEqual(['-1250', 9, 2])
    expect(Array.from(r.bytes.subarray(t.offset!, t.offset! + t.length!))).toEqual([0xfb, 0x1e])
    expect(findField(r.fields, 'samples')!.children!.map((s) => [s.name, s.value, s.offset, s.length])).toEqual([
      ['[0]', '10', 12, 2],
      ['[1]', '20', 14, 2],
      ['[2]', '30', 16, 2]
    ])
    expect(r.summary).toBe('reading #2 -12.5°')
    expect(r.described.error).toBeUndefined()
  })

  it('describes a Buffer that is a view of a larger one (a socket\'s pool) from a copy, leaving that one whole', async () => {
    const c = await codec(`script:${DEVICE_SCRIPT}`)
    const pool = Buffer.concat([Buffer.alloc(100, 1), frames[1], Buffer.alloc(100, 2)])
    const view = pool.subarray(100, 100 + frames[1].length)
    const d = c.describe('client', view, {}, view.length, true)
    expect(d.error).toBeUndefined()
    expect(d.summary).toBe('reading #2 -12.5°')
    expect(pool.byteLength).toBe(200 + frames[1].length)
    expect([pool[0], pool[pool.length - 1]]).toEqual([1, 2])
  })

  it('skips bytes that are no frame with the reason the script gave, and cuts the frames after them', async () => {
    const c = await codec(`script:${DEVICE_SCRIPT}`)
    const stream = concat([Uint8Array.from([1, 2, 3]), frames[0], Uint8Array.from([7, 7]), frames[1]])
    const got = cut(c, [{ dir: 'client', bytes: stream }], { split: 'random', seed: 3 })
    expect(got.filter((m) => !m.error).map((m) => m.length)).toEqual([frames[0].length, frames[1].length])
    const skipped = got.filter((m) => m.error)
    expect(skipped.reduce((a, m) => a + m.length, 0)).toBe(5)
    expect(skipped.every((m) => m.error === 'no 0xAA 0x55 magic here')).toBe(true)
  })
})

describe('script: framing, scripts that misbehave', () => {
  const frameByFirstByte = 'export function frame(b) { return b.length ? b[0] : null }\n'

  it('a TypeScript script loses its types and keeps its lines: a throw names the line of the .ts', async () => {
    const path = scriptFile(
      'typed.ts',
      [
        'interface Ctx { direction: "client" | "server" }',
        'export function frame(bytes: Uint8Array, ctx: Ctx): number | null {',
        '  if (bytes[0] === 0xff) throw new RangeError(`no frame starts with 0xff (${ctx.direction})`)',
        '  return bytes.length ? bytes[0] : null',
        '}',
        'export function describe(m: Uint8Array): { summary: string } { return { summary: `${m.length} bytes` } }',
        ''
      ].join('\n')
    )
    const c = await codec(`script:${path}`)
    const got = describeAll(c, [{ dir: 'server', bytes: Uint8Array.from([2, 9, 3, 1, 1, 0xff, 1]) }])
    expect(got.map((m) => [m.length, m.summary])).toEqual([
      [2, '2 bytes'],
      [3, '3 bytes'],
      [2, '2 bytes']
    ])
    // The rest of the stream is one message in error, with the throw and the line in the user's file.
    expect(got.map((m) => m.error).slice(0, 2)).toEqual([undefined, undefined])
    expect(got[2].error).toBe('frame() threw: RangeError: no frame starts with 0xff (server) (typed.ts:3): cutting stops here')
  })

  it('cannot load: a missing file, a syntax error with its line, no frame export, a describe that is not a function', async () => {
    expect(await loadError(join(dir, 'absent.js'))).toBe(`cannot read script:${join(dir, 'absent.js')}: no such file`)
    const broken = scriptFile('broken.js', 'export function frame(b) {\n  return b.length +\n}\n')
    expect(await loadError(broken)).toMatch(new RegExp(`^${broken}:3: `))
    // A path given relative is named as given, as a call's error names it, not made absolute.
    const given = relative(process.cwd(), broken)
    expect((await loadError(given)).split(': ')[0]).toBe(`${given}:3`)
    const givenNone = relative(process.cwd(), scriptFile('none-given.js', 'export const describe = 1\n'))
    expect(await loadError(givenNone)).toMatch(new RegExp(`^${givenNone.replace(/[.]/g, '\\.')} exports no frame function`))
    const none = scriptFile('none.js', 'export function describe() { return null }\n')
    expect(await loadError(none)).toBe(`${none} exports no frame function: a script: framing needs export function frame(bytes, ctx) that returns the next message's length`)
    const odd = scriptFile('odd.js', `${frameByFirstByte}export const describe = 3\n`)
    expect(await loadError(odd)).toBe(`${odd}: its describe export is not a function`)
  })

  it('answers that are no length, need or skip: one line saying what was returned and what to return', async () => {
    const cases: Array<[string, string]> = [
      ['return 2.5', 'frame() returned 2.5: return the message\'s length (a whole number > 0), null or { need: N } for more bytes, or { skip: N } for bytes that are no message'],
      ['return "ten"', 'frame() returned "ten": return'],
      ['return undefined', 'frame() returned nothing (undefined): return'],
      ['return () => 1', 'frame() returned a function: return'],
      ['return 2 ** 40', 'frame() said the message is 1,099,511,627,776 bytes, over the 16.0 MiB message limit'],
      ['return { skip: 99 }', 'frame() skipped 99 bytes, more than the 4 bytes it was given'],
      ['return { need: -1 }', 'frame() returned { need: -1 }: need is how many bytes it wants in all, a whole number'],
      ['return Promise.resolve(2)', 'frame() returned a promise']
    ]
    for (const [i, [body, error]] of cases.entries()) {
      const path = scriptFile(`bad-answer-${i}.js`, `export function frame(b) { ${body} }\n`)
      const got = cut(await codec(`script:${path}`), [{ dir: 'client', bytes: Uint8Array.from([4, 1, 2, 3]) }])
      expect(got.length, body).toBe(1)
      expect(got[0].error, body).toContain(error)
      expect(got[0].error, body).toMatch(/: cutting stops here$/)
      expect(got[0].length).toBe(4)
    }
  })

  it('describe() answers that are wrong name the field and what is wrong; the message keeps its bytes', async () => {
    const cases: Array<[string, string]> = [
      ['return { fields: [{ name: "a", value: 1, offset: 1, length: 9 }] }', 'describe(): field a: offset 1 + length 9 is past the message\'s 3 bytes'],
      ['return { fields: [{ name: "a", value: { x: 1 } }] }', "describe(): field a's value is an object: a value is a string, number, boolean or bytes"],
      ['return { fields: [{ value: 1 }] }', 'describe(): field [0] has no name'],
      ['return { summary: 7 }', 'describe() returned summary: 7: a summary is a string'],
      ['return { fields: [{ name: "g", value: "", children: [{ name: "x", value: 1, offset: 0.5, length: 1 }] }] }', 'describe(): field g.x: offset 0.5 is not a whole number'],
      ['return "text"', 'describe() returned "text": return { summary'],
      ['throw new Error("nope")', 'describe() threw: nope (bad-describe-6.js:3)']
    ]
    for (const [i, [body, error]] of cases.entries()) {
      const path = scriptFile(`bad-describe-${i}.js`, `${frameByFirstByte}export function describe(m) {\n  ${body} }\n`)
      const [m] = describeAll(await codec(`script:${path}`), [{ dir: 'client', bytes: Uint8Array.from([3, 1, 2]) }])
      expect(m.length).toBe(3)
      expect(m.described.error, body).toContain(error)
      expect(m.fields).toEqual([])
    }
  })

  it('a describe() that returns too much is bounded: 2,000 fields kept and the rest counted, a long value cut', async () => {
    const path = scriptFile('much.js', `${frameByFirstByte}export function describe(m) {\n  return { summary: 'x'.repeat(5000), fields: [{ name: 'long', value: 'y'.repeat(1e6), offset: 0, length: 1 }, ...Array.from({ length: 50000 }, (_, i) => ({ name: 'f' + i, value: i, offset: 1, length: 1 }))] }\n}\n`)
    const [m] = describeAll(await codec(`script:${path}`), [{ dir: 'client', bytes: Uint8Array.from([3, 1, 2]) }])
    expect(m.described.error).toBeUndefined()
    expect(m.described.fieldsCut).toBe(true)
    expect(m.fields.length).toBe(2000)
    expect(m.fields[0].cut).toBe(true)
    expect(m.fields[0].value.length).toBeLessThanOrEqual(1025)
    expect(m.summary.length).toBeLessThanOrEqual(200)
  })

  it('a frame() that loops: stopped at its budget, that direction stops there, the script starts again; after 9 (three connections\' worth) it stays stopped until loaded again', async () => {
    const path = scriptFile('spin.js', 'export function frame(b) {\n  if (b[0] === 0xee) for (;;) {}\n  return b.length ? b[0] : null\n}\n')
    const c = await codec(`script:${path}`)
    // Both directions loop: two calls past their budget a connection.
    const spinning = (): ReturnType<typeof cut> => cut(c, [{ dir: 'client', bytes: Uint8Array.from([2, 1, 0xee, 5]) }, { dir: 'server', bytes: Uint8Array.from([0xee]) }])
    const again = 'frame() gave no answer within its 250 ms budget (a loop? spin.js); the script starts again for what follows: cutting stops here'
    for (let i = 0; i < 4; i++) {
      expect(spinning().map((m) => [m.dir, m.length, m.error])).toEqual([
        ['client', 2, undefined],
        ['client', 2, again],
        ['server', 1, again]
      ])
    }
    expect(spinning()[1].error).toBe(`frame() gave no answer within its 250 ms budget (a loop? spin.js); spin.js: stopped after 9 calls ran past their 250 ms budget; fix it and load it again (--frame or Decode as…): cutting stops here`)
    // Stopped: a well-behaved stream is not cut either, and says why, at once.
    expect(cut(c, [{ dir: 'client', bytes: Uint8Array.from([1, 1]) }])[0].error).toMatch(/^spin\.js: stopped after 9 calls/)
    // Loaded again (Decode as…, a new proxy): it runs afresh.
    const loaded = await codec(`script:${path}`)
    expect(cut(loaded, [{ dir: 'client', bytes: Uint8Array.from([1, 1]) }]).map((m) => [m.length, m.error])).toEqual([
      [1, undefined],
      [1, undefined]
    ])
  }, 30_000)

  const describeLoops = 'export function frame(b) {\n  return b.length ? 1 : null\n}\nexport function describe(m) {\n  if (m[0] >= 0xe0) for (;;) {}\n  return { summary: `byte ${m[0]}` }\n}\n'

  it('a describe() that loops on every message stops for the rest of that connection after 3, and the next connection starts it again', async () => {
    const c = await codec(`script:${scriptFile('loops.js', describeLoops)}`)
    const again = 'describe() gave no answer within its 250 ms budget (a loop? loops.js); the script starts again for what follows'
    const stopped = 'loops.js: stopped on this connection after 3 calls ran past their 250 ms budget; other connections start it again'
    expect(describeAll(c, [{ dir: 'client', bytes: Uint8Array.from([1, 0xe1, 0xe2, 0xe3, 0xe4, 2]) }]).map((m) => m.summary)).toEqual([
      'byte 1',
      again,
      again,
      `describe() gave no answer within its 250 ms budget (a loop? loops.js); ${stopped}`,
      stopped,
      stopped
    ])
    expect(describeAll(c, [{ dir: 'client', bytes: Uint8Array.from([3]) }]).map((m) => m.summary)).toEqual(['byte 3'])
  }, 30_000)

  it('a message whose describe() was cut off says so again when shown again, without another call: it neither counts again nor stops the cutting of what comes after', async () => {
    const c = await codec(`script:${scriptFile('loops-once.js', describeLoops)}`)
    const { messages, cutter } = cutWith(c, [{ dir: 'client', bytes: Uint8Array.from([0xee, 5]) }], { end: false })
    const show = (i: number): string => cutter.describe('client', Uint8Array.from([[0xee, 5][i]]), messages[i].note, 1, true).summary
    const cut = 'describe() gave no answer within its 250 ms budget (a loop? loops-once.js); the script starts again for what follows'
    // A page shown five times, as a person scrolling back and forth: one call past its budget, not five.
    for (let i = 0; i < 5; i++) expect([show(0), show(1)]).toEqual([cut, 'byte 5'])
    // Bytes still to come are cut as before.
    cutter.push('client', Uint8Array.from([6, 7]), 2, 2000)
    cutter.end('client', 2001)
    expect(messages.map((m) => [m.offset, m.length, m.error])).toEqual([
      [0, 1, undefined],
      [1, 1, undefined],
      [2, 1, undefined],
      [3, 1, undefined]
    ])
  }, 30_000)

  it('a connection reads the same decoded alone or after others whose calls looped (calls past their budget are counted per connection)', async () => {
    const path = scriptFile('some-loops.js', describeLoops)
    const third: Turn[] = [{ dir: 'client', bytes: Uint8Array.from([0xee, 5, 6]) }]
    const read = (c: Awaited<ReturnType<typeof codec>>, turns: typeof third): string[] => describeAll(c, turns).map((m) => m.summary)
    // After two connections that looped once each (before: the third loop in all stopped the script, and this connection read as stopped).
    const afterOthers = await codec(`script:${path}`)
    read(afterOthers, [{ dir: 'client', bytes: Uint8Array.from([0xee]) }])
    read(afterOthers, [{ dir: 'server', bytes: Uint8Array.from([0xee, 4]) }])
    const shown = read(afterOthers, third)
    writeFileSync(path, `${describeLoops}// loaded afresh\n`)
    const alone = read(await codec(`script:${path}`), third)
    expect(shown).toEqual(alone)
    expect(alone).toEqual(['describe() gave no answer within its 250 ms budget (a loop? some-loops.js); the script starts again for what follows', 'byte 5', 'byte 6'])
  }, 30_000)

  it('a frame() that keeps byte arrays (outside the heap limit) is stopped at 128 MiB, not left to grow the process by GiBs', async () => {
    const path = scriptFile('keep.js', 'const keep = []\nexport function frame(b) {\n  keep.push(new Uint8Array(16 << 20).fill(1))\n  return b.length ? 1 : null\n}\n')
    const c = await codec(`script:${path}`)
    const before = process.memoryUsage.rss()
    let peak = before
    const errors: string[] = []
    // Both directions run out: two calls cut off a connection, nine in all stop the script.
    for (let i = 0; i < 5; i++) {
      errors.push(...cut(c, [{ dir: 'client', bytes: new Uint8Array(40).fill(1) }, { dir: 'server', bytes: new Uint8Array(40).fill(1) }]).flatMap((m) => (m.error ? [m.error] : [])))
      peak = Math.max(peak, process.memoryUsage.rss())
    }
    const out = 'frame(): keep.js it ran out of memory (its byte arrays passed 128 MiB)'
    expect(errors.slice(0, 8)).toEqual(Array(8).fill(`${out}; the script starts again for what follows: cutting stops here`))
    expect(errors[8]).toBe(`${out}; keep.js: stopped after 9 calls were cut off, the last as its thread ran out of memory (128 MiB); fix it and load it again (--frame or Decode as…): cutting stops here`)
    expect(errors[9]).toMatch(/^keep\.js: stopped after 9 calls/)
    // Before, each of some 160 calls kept its 16 MiB: 2.5 GiB. Now a thread ends once its arrays pass 128 MiB.
    expect(peak - before).toBeLessThan(500 * 1024 * 1024)
  }, 30_000)

  it('a script whose timer keeps arrays between calls ends there, and the next call says so at once', async () => {
    const path = scriptFile('timer.js', 'const keep = []\nsetInterval(() => keep.push(new Uint8Array(4 << 20).fill(1)), 10)\nexport function frame(b) {\n  return b.length ? 1 : null\n}\n')
    const c = await codec(`script:${path}`)
    expect(cut(c, [{ dir: 'client', bytes: Uint8Array.from([1]) }]).map((m) => m.error)).toEqual([undefined])
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(cut(c, [{ dir: 'client', bytes: Uint8Array.from([1]) }]).map((m) => m.error)).toEqual(['frame(): timer.js it ran out of memory (its byte arrays passed 128 MiB); the script starts again for what follows: cutting stops here'])
  }, 30_000)

  it('a thread that begins a call late (busy outside any call, as a loaded machine can keep it) is not a loop: the budget runs from when it begins', async () => {
    // Each frame() leaves the thread busy for 600 ms after it answers, before the next call can begin.
    const path = scriptFile('late.js', 'export function frame(b) {\n  setImmediate(() => { const end = Date.now() + 600; while (Date.now() < end) {} })\n  return b.length ? 1 : null\n}\n')
    const c = await codec(`script:${path}`)
    expect(cut(c, [{ dir: 'client', bytes: Uint8Array.from([7, 7, 7]) }]).map((m) => [m.length, m.error])).toEqual([
      [1, undefined],
      [1, undefined],
      [1, undefined]
    ])
  })

  // Linux tells a thread's CPU time (thread-clock.ts); elsewhere the budget is wall time.
  it.runIf(process.platform === 'linux')('a call that runs past 250 ms on the wall but not on the CPU (its thread left waiting, as a loaded machine can) is not a loop: the budget is the thread\'s CPU time', async () => {
    // Asleep, as a thread given no CPU: 600 ms on the wall each, next to no CPU.
    const path = scriptFile('sleepy.js', 'const s = new Int32Array(new SharedArrayBuffer(4))\nexport function frame(b) {\n  if (b[0] === 9) Atomics.wait(s, 0, 0, 600)\n  return b.length ? 1 : null\n}\n')
    const c = await codec(`script:${path}`)
    expect(cut(c, [{ dir: 'client', bytes: Uint8Array.from([9, 9]) }]).map((m) => [m.length, m.error])).toEqual([
      [1, undefined],
      [1, undefined]
    ])
  })

  it('a call that never ends and never runs either (asleep for good) is still cut, by a wall budget', async () => {
    const path = scriptFile('asleep.js', 'const s = new Int32Array(new SharedArrayBuffer(4))\nexport function frame(b) {\n  if (b[0] === 9) Atomics.wait(s, 0, 0)\n  return b.length ? 1 : null\n}\n')
    const c = await codec(`script:${path}`)
    expect(cut(c, [{ dir: 'client', bytes: Uint8Array.from([1, 9]) }]).map((m) => [m.length, m.error])).toEqual([
      [1, undefined],
      [1, 'frame() gave no answer within its 250 ms budget (a loop? asleep.js); the script starts again for what follows: cutting stops here']
    ])
  })

  it('a changed file is loaded again in its place; one that no longer loads keeps the running version and says why', async () => {
    const path = scriptFile('changing.js', 'export function frame(b) { return 1 }\n')
    const c = await codec(`script:${path}`)
    expect(cut(c, [{ dir: 'client', bytes: Uint8Array.from([1, 2]) }]).map((m) => m.length)).toEqual([1, 1])
    writeFileSync(path, 'export function frame(b) { return 2 }\n')
    await loadFraming(parseFrameSpec(`script:${path}`))
    expect(cut(c, [{ dir: 'client', bytes: Uint8Array.from([1, 2]) }]).map((m) => m.length)).toEqual([2])
    writeFileSync(path, 'export function frame(b) { return 2 \n')
    expect(await loadError(path)).toMatch(new RegExp(`^${path}:\\d+: `))
    expect(cut(c, [{ dir: 'client', bytes: Uint8Array.from([1, 2]) }]).map((m) => m.length)).toEqual([2])
  })
})
