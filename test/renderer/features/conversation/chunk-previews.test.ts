// The text of the chunks a conversation shows: the first kilobyte of a chunk on screen,
// folded to a few lines; "show more" reads more of that chunk each time, up to a cap; a
// fold keeps what was read; reads fail visibly.
import { describe, expect, it } from 'vitest'
import type { Direction } from '../../../../src/shared/capture-types'
import { chunkPreviews, FOLD_BYTES, FOLD_LINES, SHOW_MAX, type ShownChunk } from '../../../../src/renderer/src/features/conversation/chunk-previews'
import { flushPromises } from '../../../helpers/flush-promises'

/** A stream of numbered lines, and the reads asked of it. */
function stream(size: number) {
  const text = Array.from({ length: Math.ceil(size / 9) + 1 }, (_, i) => `line ${String(i).padStart(4, '0')}\n`).join('').slice(0, size)
  const bytes = new TextEncoder().encode(text)
  const reads: Array<{ dir: Direction; offset: number; length: number }> = []
  const read = async (dir: Direction, offset: number, length: number): Promise<Uint8Array> => {
    reads.push({ dir, offset, length })
    return bytes.subarray(offset, offset + length)
  }
  return { bytes, reads, read }
}

const shownText = (s: ReturnType<ReturnType<typeof chunkPreviews>['text']>): string => (s as ShownChunk).view.runs.filter((r) => !r.control).map((r) => r.text).join('')

describe('chunk previews', () => {
  it('reads the first bytes of a chunk once, and folds them to a few lines', async () => {
    const s = stream(600_000)
    const p = chunkPreviews(s.read)
    const chunk = { dir: 'server' as const, offset: 0, length: 600_000 }
    expect(p.text(chunk, 'utf-8')).toBeUndefined()
    p.ensure(chunk)
    p.ensure(chunk)
    await flushPromises()
    expect(s.reads).toEqual([{ dir: 'server', offset: 0, length: FOLD_BYTES }])
    const folded = p.text(chunk, 'utf-8') as ShownChunk
    expect(folded).toMatchObject({ more: true, expanded: false, bytes: FOLD_BYTES })
    expect(folded.view.lines).toBe(FOLD_LINES)
    expect(shownText(folded)).toBe('line 0000\nline 0001\nline 0002\nline 0003\nline 0004\nline 0005\nline 0006\nline 0007')
  })

  it('shows more of one chunk each time, up to the cap, and folds back', async () => {
    const s = stream(600_000)
    const p = chunkPreviews(s.read)
    const chunk = { dir: 'client' as const, offset: 0, length: 600_000 }
    p.ensure(chunk)
    await flushPromises()
    const wants: number[] = []
    for (let i = 0; i < 4; i++) {
      p.more(chunk)
      await flushPromises()
      wants.push((p.text(chunk, 'utf-8') as ShownChunk).bytes)
    }
    expect(wants).toEqual([16 * 1024, 256 * 1024, SHOW_MAX, SHOW_MAX])
    const all = p.text(chunk, 'utf-8') as ShownChunk
    expect(all).toMatchObject({ expanded: true, more: false })
    expect(shownText(all).endsWith(new TextDecoder().decode(s.bytes.subarray(SHOW_MAX - 8, SHOW_MAX)))).toBe(true)
    p.fold(chunk)
    expect(p.text(chunk, 'utf-8')).toMatchObject({ expanded: false, more: true, bytes: FOLD_BYTES })
  })

  it('unfolds a short chunk of many lines without reading again', async () => {
    const s = stream(200)
    const p = chunkPreviews(s.read)
    const chunk = { dir: 'client' as const, offset: 0, length: 200 }
    p.ensure(chunk)
    await flushPromises()
    expect(p.text(chunk, 'utf-8')).toMatchObject({ more: true })
    p.more(chunk)
    await flushPromises()
    expect(s.reads).toHaveLength(1)
    expect(p.text(chunk, 'utf-8')).toMatchObject({ more: false, expanded: true })
    expect((p.text(chunk, 'utf-8') as ShownChunk).view.lines).toBe(20)
  })

  it('says why a read failed', async () => {
    const p = chunkPreviews(async () => {
      throw new Error('no connection #9 in this capture')
    })
    const chunk = { dir: 'client' as const, offset: 0, length: 10 }
    p.ensure(chunk)
    await flushPromises()
    expect(p.text(chunk, 'utf-8')).toEqual({ error: 'no connection #9 in this capture' })
  })

  it('shows a chunk as hex rows (offset, hex, ASCII) when asked, folded to the same few rows', async () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => i % 256)
    const p = chunkPreviews(async (_dir, offset, length) => bytes.subarray(offset, offset + length))
    const chunk = { dir: 'client' as const, offset: 0, length: bytes.length }
    p.ensure(chunk)
    await flushPromises()
    const hex = p.text(chunk, 'hex') as ShownChunk
    expect(hex).toMatchObject({ more: true, expanded: false })
    expect(hex.view.lines).toBe(FOLD_LINES)
    const lines = hex.view.runs.map((r) => r.text).join('').split('\n')
    expect(lines).toHaveLength(FOLD_LINES)
    expect(lines[0]).toBe('0000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  ................')
    expect(lines[2]).toBe('0020  20 21 22 23 24 25 26 27  28 29 2a 2b 2c 2d 2e 2f   !"#$%&\'()*+,-./')
    // Offsets and bytes that do not print are dim; the rest is plain.
    expect(hex.view.runs[0]).toEqual({ text: '0000', control: true })
    // Unfolded, the short last row keeps its ASCII column in line.
    p.more(chunk)
    await flushPromises()
    const all = (p.text(chunk, 'hex') as ShownChunk).view.runs.map((r) => r.text).join('').split('\n')
    expect(all).toHaveLength(19)
    expect(all[18]).toBe(`0120  20 21 22 23 24 25 26 27  28 29 2a 2b${' '.repeat(14)} !"#$%&'()*+`)
    expect(all[18].indexOf('!')).toBe(all[2].indexOf('!'))
    // The text look of the same chunk is still there, made anew.
    expect((p.text(chunk, 'utf-8') as ShownChunk).view.runs.some((r) => r.text === 'NUL')).toBe(true)
  })
})
