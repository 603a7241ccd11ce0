// ByteLines writes `tcpscope ls`'s lines straight as bytes: what comes out must be what the
// same lines made as strings would be, padding counted in characters as pad() counts them,
// for non-ASCII text, numbers of every size and a line longer than its buffer.
import { describe, expect, it } from 'vitest'
import { PassThrough } from 'node:stream'
import { ByteLines } from '../../src/cli/byte-lines'

async function written(make: (out: ByteLines) => Promise<void>): Promise<string> {
  const sink = new PassThrough()
  const chunks: Buffer[] = []
  sink.on('data', (c: Buffer) => chunks.push(c))
  const out = new ByteLines(sink)
  await make(out)
  await out.flush()
  sink.end()
  return Buffer.concat(chunks).toString('utf8')
}

describe('ByteLines', () => {
  it('writes text, padded numbers and non-ASCII as the strings would be', async () => {
    const got = await written(async (out) => {
      out.int(0, 4).text('héllo', 8).int(9_007_199_254_740_991).end()
      out.int(12345, 3).text('日本', 4).int(-1, 4).int(1.5).text('').end()
      out.text('😀x', 5).spaces(0).spaces(-2).end()
    })
    expect(got).toBe(['0   héllo   9007199254740991', '12345日本  -1  1.5', '😀x  ', ''].join('\n'))
  })

  it('copies short ASCII itself and hands the rest to UTF-8, whichever character comes where', async () => {
    // Fields of up to 64 characters are copied byte by byte while they are ASCII: a non-ASCII
    // character first, last, or just past that length must come out as UTF-8 all the same.
    const fields = ['\x7f', '\x80', 'é' + 'a'.repeat(63), 'a'.repeat(63) + 'é', 'a'.repeat(64) + 'é', 'a'.repeat(65), 'x\u{1F600}y', '']
    const got = await written(async (out) => {
      for (const f of fields) out.text(f, 70).text('|').spaces(65).text('|').end()
    })
    expect(got).toBe(fields.map((f) => `${f.padEnd(70)}|${' '.repeat(65)}|\n`).join(''))
  })

  it('grows for a line longer than its buffer, and flushes every line whole across many', async () => {
    const long = 'é'.repeat(700_000)
    const got = await written(async (out) => {
      for (let i = 0; i < 60_000; i++) if (out.int(i, 6).text(i === 30_000 ? long : 'row', 5).end()) await out.flush()
    })
    const lines = got.split('\n')
    expect(lines).toHaveLength(60_001)
    expect(lines[29_999]).toBe('29999 row  ')
    expect(lines[30_000]).toBe(`30000 ${long}`)
    expect(lines[59_999]).toBe('59999 row  ')
  })
})
