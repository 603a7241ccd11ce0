// The breakpoint edit's block rewrite: the receiver decodes the edited fields, and its dynamic
// table ends exactly as after the original block, so the sender's later blocks (which refer to
// that table) still decode right. Checked by decoding with two contexts fed the same history.
import { describe, expect, it } from 'vitest'
import { HpackDecoder } from '../../../../../src/core/protocols/http2/hpack/hpack-decoder'
import { concatBytes, encodeIndexed, encodeLiteral, encodeSizeUpdate } from '../../../../../src/core/protocols/http2/hpack/hpack-encoder'
import { type HeaderEdit, rewriteHeaderBlock } from '../../../../../src/core/protocols/http2/hpack/header-block-rewrite'

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'))
const pairs = (fields: HeaderEdit[]): HeaderEdit[] => fields.map(({ name, value }) => ({ name, value }))

// RFC 7541 C.4's first two requests as history, then a richer third block to edit.
const HISTORY = [hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'), hex('8286 84be 5886 a8eb 1064 9cbf')]
const ORIGINAL = concatBytes([
  encodeSizeUpdate(3000),
  encodeIndexed(3), // :method POST
  encodeIndexed(62), // cache-control: no-cache (dynamic)
  encodeLiteral({ name: ':path', value: '/upload?id=7', rep: 'incremental' }),
  encodeIndexed(64), // :authority: www.example.com (dynamic, shifted by the insertion above)
  encodeLiteral({ name: 'x-trace', value: 'abc123', rep: 'without' }),
  encodeLiteral({ name: 'authorization', value: 'Bearer secret', rep: 'never' }),
  encodeLiteral({ name: 'content-type', value: 'application/json', rep: 'incremental', huffman: false }),
  encodeIndexed(63) // :path /upload?id=7 (dynamic)
])
// A later block from the same sender, leaning on the table the original left.
const LATER = concatBytes([encodeIndexed(62), encodeIndexed(63), encodeIndexed(64), encodeIndexed(65)])

function contexts(): { before: HpackDecoder; after: HpackDecoder } {
  const before = new HpackDecoder()
  const after = new HpackDecoder()
  for (const b of HISTORY) {
    before.decode(b)
    after.decode(b)
  }
  return { before, after }
}

/** Rewrites ORIGINAL into `edit(fields)`; returns what the receiver decodes, after checking the tables agree. */
function rewriteAndCheck(edit: (fields: HeaderEdit[]) => HeaderEdit[]): { decoded: HeaderEdit[]; result: Extract<ReturnType<typeof rewriteHeaderBlock>, { ok: true }> } {
  const { before: original, after: rewritten } = contexts()
  const decoded = original.decode(ORIGINAL)
  expect(decoded.error).toBeUndefined()
  const edited = edit(pairs(decoded.fields))
  const result = rewriteHeaderBlock(ORIGINAL, decoded, edited)
  if (!result.ok) throw new Error(result.message)
  const got = rewritten.decode(result.block)
  expect(got.error).toBeUndefined()
  expect(pairs(got.fields)).toEqual(result.fields)
  expect(rewritten.tableEntries()).toEqual(original.tableEntries())
  expect(rewritten.tableSize()).toEqual(original.tableSize())
  expect(pairs(rewritten.decode(LATER).fields)).toEqual(pairs(original.decode(LATER).fields))
  return { decoded: pairs(got.fields), result }
}

describe('rewriteHeaderBlock', () => {
  it('an unedited block comes back byte for byte', () => {
    const { result } = rewriteAndCheck((f) => f)
    expect(Buffer.from(result.block).equals(Buffer.from(ORIGINAL))).toBe(true)
    expect(result.kept).toEqual([])
  })

  it('changed, removed, added and moved fields decode as edited, the table as the original left it', () => {
    const edit = (f: HeaderEdit[]): HeaderEdit[] => [
      { name: 'x-added', value: 'new' },
      ...f
        .filter((x) => x.name !== 'x-trace')
        .map((x) => (x.name === ':method' ? { name: ':method', value: 'PUT' } : x)),
      { name: 'accept-encoding', value: 'gzip, deflate' }
    ]
    const { decoded, result } = rewriteAndCheck(edit)
    expect(result.kept).toEqual([])
    expect(decoded[0]).toEqual({ name: 'x-added', value: 'new' })
    expect(decoded.find((x) => x.name === ':method')?.value).toBe('PUT')
    expect(decoded.some((x) => x.name === 'x-trace')).toBe(false)
    // A field the static table has whole is sent as its index.
    expect(result.block[result.block.length - 1]).toBe(0x80 | 16)
  })

  it('a dynamic reference moved past an insertion is written anew, not copied with a stale index', () => {
    const { decoded } = rewriteAndCheck((f) => {
      const authority = f.find((x) => x.name === ':authority')!
      return [authority, ...f.filter((x) => x !== authority)]
    })
    expect(decoded[0]).toEqual({ name: ':authority', value: 'www.example.com' })
  })

  it('a never-indexed field stays never indexed when its value is edited', () => {
    const { decoded } = rewriteAndCheck((f) => f.map((x) => (x.name === 'authorization' ? { ...x, value: 'Bearer other' } : x)))
    expect(decoded.find((x) => x.name === 'authorization')?.value).toBe('Bearer other')
    // Decode again to read the representation: the rewrite chose 'never'.
    const { before } = contexts()
    const original = before.decode(ORIGINAL)
    const result = rewriteHeaderBlock(ORIGINAL, original, pairs(original.fields).map((x) => (x.name === 'authorization' ? { ...x, value: 'Bearer other' } : x)))
    if (!result.ok) throw new Error(result.message)
    const { after } = contexts()
    expect(after.decode(result.block).fields.find((x) => x.name === 'authorization')?.rep).toBe('never')
  })

  it('an edited field that the original added to the table is still sent, and said to be kept', () => {
    const { decoded, result } = rewriteAndCheck((f) => f.map((x) => (x.name === 'content-type' ? { ...x, value: 'text/plain' } : x)))
    expect(result.kept.map((k) => [k.name, k.value])).toEqual([['content-type', 'application/json']])
    expect(decoded.filter((x) => x.name === 'content-type').map((x) => x.value)).toEqual(['application/json', 'text/plain'])
  })

  it('a removed inserted field is kept in order with the other insertions', () => {
    const { decoded, result } = rewriteAndCheck((f) => f.filter((x) => x.name !== ':path'))
    expect(result.kept.map((k) => k.value)).toEqual(['/upload?id=7'])
    expect(decoded.filter((x) => x.name === ':path').map((x) => x.value)).toEqual(['/upload?id=7'])
  })

  it('refuses a block that was cut or failed, since its fields are not all known', () => {
    const cutDecoder = new HpackDecoder({ blockLimit: 40 })
    const block = concatBytes([encodeIndexed(2), encodeIndexed(4), encodeIndexed(6)])
    const cut = cutDecoder.decode(block)
    expect(cut.cut).toBeDefined()
    expect(rewriteHeaderBlock(block, cut, [])).toMatchObject({ ok: false, message: expect.stringMatching(/cut/) })
    const failed = new HpackDecoder().decode(hex('80'))
    expect(rewriteHeaderBlock(hex('80'), failed, [])).toMatchObject({ ok: false, message: expect.stringMatching(/could not be decoded/) })
  })

  it('random edits of random blocks keep the tables in step', () => {
    let seed = 35
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const reps = ['incremental', 'without', 'never'] as const
    for (let round = 0; round < 300; round++) {
      const original = new HpackDecoder()
      const rewritten = new HpackDecoder()
      const history = concatBytes(Array.from({ length: 6 }, (_, i) => encodeLiteral({ name: `h${i}`, value: `v${i}`, rep: 'incremental' })))
      original.decode(history)
      rewritten.decode(history)
      const parts: Uint8Array[] = []
      for (let i = 0; i < 1 + rnd() * 10; i++) {
        const r = rnd()
        if (r < 0.4) parts.push(encodeIndexed(rnd() < 0.5 ? 1 + Math.floor(rnd() * 61) : 62 + Math.floor(rnd() * 6)))
        else parts.push(encodeLiteral({ name: rnd() < 0.5 ? `n${Math.floor(rnd() * 4)}` : 62 + Math.floor(rnd() * 6), value: `x${Math.floor(rnd() * 3)}`, rep: reps[Math.floor(rnd() * 3)] }))
      }
      const block = concatBytes(parts)
      const decoded = original.decode(block)
      expect(decoded.error).toBeUndefined()
      let edited = pairs(decoded.fields)
      for (let k = Math.floor(rnd() * 4); k > 0; k--) {
        const at = Math.floor(rnd() * (edited.length + 1))
        const r = rnd()
        if (r < 0.3 && edited.length) edited.splice(at % edited.length, 1)
        else if (r < 0.6 && edited.length) edited[at % edited.length] = { ...edited[at % edited.length], value: 'edited' }
        else if (r < 0.8) edited.splice(at, 0, { name: 'x-new', value: String(k) })
        else edited = [...edited].reverse()
      }
      const result = rewriteHeaderBlock(block, decoded, edited)
      if (!result.ok) throw new Error(result.message)
      const got = rewritten.decode(result.block)
      expect(got.error).toBeUndefined()
      expect(pairs(got.fields)).toEqual(result.fields)
      if (result.kept.length === 0) expect(result.fields).toEqual(edited)
      expect(rewritten.tableEntries()).toEqual(original.tableEntries())
    }
  })
})
