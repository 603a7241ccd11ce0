// A file input's picks: only the last pick's read is taken, a drop (no file, or one
// refused before reading) drops the read under way, and a submit can wait for the last read.
import { describe, expect, it } from 'vitest'
import { latestFileRead, type FileReadResult } from '../../../../src/renderer/src/ui/form/latest-file-read'
import { flushPromises } from '../../../helpers/flush-promises'

function reads(): { read: (file: File) => Promise<string>; answer: (name: string, text: string | Error) => void } {
  const waiting = new Map<string, { resolve: (t: string) => void; reject: (e: Error) => void }>()
  return {
    read: (file) => new Promise<string>((resolve, reject) => waiting.set(file.name, { resolve, reject })),
    answer: (name, text) => (text instanceof Error ? waiting.get(name)!.reject(text) : waiting.get(name)!.resolve(text))
  }
}
const file = (name: string): File => new File(['x'], name)

describe('latestFileRead', () => {
  it('takes the last pick only, whichever read ends first, and settles once it is taken', async () => {
    const r = reads()
    const picks = latestFileRead(r.read)
    const took: Array<[string, FileReadResult<string>]> = []
    picks.pick(file('a'), (x) => took.push(['a', x]))
    picks.pick(file('b'), (x) => took.push(['b', x]))
    let settled = false
    void picks.settled().then(() => (settled = true))
    await flushPromises()
    expect(settled).toBe(false)
    r.answer('b', 'bee')
    await flushPromises()
    expect(settled).toBe(true)
    r.answer('a', 'ay')
    await flushPromises()
    expect(took).toEqual([['b', { value: 'bee' }]])
  })

  it('passes a failed read on as an error, and a drop (no pick now) drops the read under way', async () => {
    const r = reads()
    const picks = latestFileRead(r.read)
    const took: FileReadResult<string>[] = []
    picks.pick(file('gone'), (x) => took.push(x))
    const lost = new Error('the file was moved')
    r.answer('gone', lost)
    await picks.settled()
    expect(took).toEqual([{ error: lost }])
    picks.pick(file('big'), (x) => took.push(x))
    picks.drop()
    await picks.settled()
    r.answer('big', 'late')
    await flushPromises()
    expect(took).toHaveLength(1)
  })
})
