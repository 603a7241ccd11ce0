// Random blocks against a plain model of the dynamic table, then the same blocks mutated
// (bytes flipped, cut, spliced) and pure noise: the decoder never fails inside (its one catch
// would say "HPACK decoding failed"), keeps only what the limit allows, and every field's
// range lies inside its block, in order. Seeded, so a failure can be replayed.
import { describe, expect, it } from 'vitest'
import { type HpackField, HpackDecoder, type HpackResult } from '../../../../../src/core/protocols/http2/hpack/hpack-decoder'
import { concatBytes, encodeIndexed, encodeLiteral, encodeSizeUpdate } from '../../../../../src/core/protocols/http2/hpack/hpack-encoder'
import { STATIC_NAMES, STATIC_VALUES } from '../../../../../src/core/protocols/http2/hpack/static-table'
import { seeded } from '../../../../helpers/seeded'


type Entry = { name: string; value: string }
const size = (e: Entry): number => e.name.length + e.value.length + 32

/** RFC 7541's table the simplest way: an array, newest first. */
class ModelTable {
  entries: Entry[] = []
  max = 4096
  add(e: Entry): void {
    if (size(e) > this.max) this.entries = []
    else {
      this.entries.unshift(e)
      this.evict()
    }
  }
  resize(max: number): void {
    this.max = max
    this.evict()
  }
  private evict(): void {
    let total = this.entries.reduce((a, e) => a + size(e), 0)
    while (total > this.max) total -= size(this.entries.pop()!)
  }
}

function randomText(rnd: () => number, max: number): string {
  const n = Math.floor(rnd() * rnd() * max)
  let s = ''
  for (let i = 0; i < n; i++) {
    const r = rnd()
    s += String.fromCharCode(r < 0.8 ? 0x61 + Math.floor(rnd() * 26) : r < 0.95 ? 0x20 + Math.floor(rnd() * 95) : Math.floor(rnd() * 256))
  }
  return s
}

/** A block of random representations, with the fields it must decode to (the model updated as it goes). */
function randomBlock(rnd: () => number, model: ModelTable, maxTable: number): { block: Uint8Array; fields: Entry[] } {
  const parts: Uint8Array[] = []
  const fields: Entry[] = []
  if (rnd() < 0.1) {
    for (let k = 1 + Math.floor(rnd() * 2); k > 0; k--) {
      const n = Math.floor(rnd() * (maxTable + 1))
      parts.push(encodeSizeUpdate(n))
      model.resize(n)
    }
  }
  const count = Math.floor(rnd() * 14)
  for (let i = 0; i < count; i++) {
    const r = rnd()
    const dyn = model.entries.length
    if (r < 0.35) {
      const index = dyn > 0 && rnd() < 0.6 ? 62 + Math.floor(rnd() * dyn) : 1 + Math.floor(rnd() * 61)
      parts.push(encodeIndexed(index))
      fields.push(index > 61 ? model.entries[index - 62] : { name: STATIC_NAMES[index], value: STATIC_VALUES[index] })
      continue
    }
    const rep = r < 0.75 ? 'incremental' : r < 0.9 ? 'without' : 'never'
    const value = randomText(rnd, rnd() < 0.05 ? 3000 : 60)
    const huffman = rnd() < 0.6
    let field: Entry
    const n = rnd()
    if (n < 0.3) {
      const index = 1 + Math.floor(rnd() * 61)
      field = { name: STATIC_NAMES[index], value }
      parts.push(encodeLiteral({ name: index, value, rep, huffman }))
    } else if (n < 0.5 && dyn > 0) {
      const index = 62 + Math.floor(rnd() * dyn)
      field = { name: model.entries[index - 62].name, value }
      parts.push(encodeLiteral({ name: index, value, rep, huffman }))
    } else {
      field = { name: randomText(rnd, 20), value }
      parts.push(encodeLiteral({ name: field.name, value, rep, huffman }))
    }
    fields.push(field)
    if (rep === 'incremental') model.add(field)
  }
  return { block: concatBytes(parts), fields }
}

function checkBounds(block: Uint8Array, r: HpackResult, limit: number): void {
  expect(r.error?.message ?? '').not.toMatch(/HPACK decoding failed/)
  let at = 0
  let kept = 0
  for (const f of r.fields as HpackField[]) {
    expect(f.offset).toBeGreaterThanOrEqual(at)
    expect(f.length).toBeGreaterThan(0)
    at = f.offset + f.length
    kept += f.name.length + f.value.length + 32
  }
  expect(at).toBeLessThanOrEqual(block.length)
  expect(kept).toBeLessThanOrEqual(limit)
}

describe('HPACK fuzz', () => {
  it('random valid blocks decode to their fields, and the table follows a plain model, block after block', () => {
    const rnd = seeded(7541)
    for (let conn = 0; conn < 60; conn++) {
      const maxTable = rnd() < 0.5 ? 4096 : Math.floor(rnd() * 70000)
      const decoder = new HpackDecoder({ maxTableSize: maxTable })
      const model = new ModelTable()
      for (let b = 0; b < 40; b++) {
        const { block, fields } = randomBlock(rnd, model, maxTable)
        const r = decoder.decode(block)
        expect(r.error).toBeUndefined()
        expect(r.fields.map((f) => ({ name: f.name, value: f.value }))).toEqual(fields)
        expect(decoder.tableEntries()).toEqual(model.entries)
      }
    }
  })

  it('mutated and random blocks never break the decoder and stay bounded', () => {
    const rnd = seeded(9113)
    for (let conn = 0; conn < 400; conn++) {
      const limit = rnd() < 0.5 ? 256 * 1024 : 1 + Math.floor(rnd() * 2000)
      let decoder = new HpackDecoder({ blockLimit: limit, maxTableSize: 65536 })
      let model = new ModelTable()
      for (let b = 0; b < 10; b++) {
        let block: Uint8Array
        const kind = rnd()
        if (kind < 0.2) {
          block = Uint8Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256))
        } else {
          block = randomBlock(rnd, model, 65536).block.slice()
          const m = rnd()
          if (m < 0.4 && block.length) for (let k = 0; k < 1 + rnd() * 4; k++) block[Math.floor(rnd() * block.length)] ^= 1 << Math.floor(rnd() * 8)
          else if (m < 0.6) block = block.subarray(0, Math.floor(rnd() * block.length))
          else if (m < 0.8) block = concatBytes([block, block.subarray(Math.floor(rnd() * block.length))])
        }
        const r = decoder.decode(block)
        checkBounds(block, r, limit)
        // A lost context refuses everything after: start a fresh one so the rest is decoded.
        if (r.error) {
          decoder = new HpackDecoder({ blockLimit: limit, maxTableSize: 65536 })
          model = new ModelTable()
        }
      }
    }
  })
})
