// node:zlib's raw inflater as the decoders get it: a preset dictionary, input that stops
// short of a final block, and bad data or too much output as an error string, never thrown.

import { constants, deflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { inflateRaw } from '../../../src/core/http/inflate-raw'

const text = (b: Uint8Array): string => Buffer.from(b).toString()

describe('inflateRaw', () => {
  it('inflates with a preset dictionary, as permessage-deflate context takeover needs', () => {
    const dictionary = Buffer.from('a dictionary of earlier output')
    const data = deflateRawSync(Buffer.from('earlier output, again'), { dictionary, finishFlush: constants.Z_SYNC_FLUSH })
    expect(text(inflateRaw(data, dictionary, 1000).output)).toBe('earlier output, again')
    expect(inflateRaw(data, undefined, 1000).error).toMatch(/distance too far back/)
  })

  it('inflates input cut before its end as far as it goes', () => {
    const data = deflateRawSync(Buffer.from('abc'.repeat(1000)))
    const { output, error } = inflateRaw(data.subarray(0, data.length - 4), undefined, 1 << 20)
    expect(error).toBeUndefined()
    expect(text(output)).toBe('abc'.repeat(1000).slice(0, output.length))
    expect(output.length).toBeGreaterThan(0)
  })

  it('returns bad data and output over the limit as errors', () => {
    expect(inflateRaw(Uint8Array.of(0xff, 0xff), undefined, 100)).toEqual({ output: new Uint8Array(0), error: 'invalid block type' })
    const bomb = deflateRawSync(Buffer.alloc(1 << 20))
    expect(inflateRaw(bomb, undefined, 1000)).toEqual({ output: new Uint8Array(0), error: 'inflates to more than 1000 bytes' })
    expect(inflateRaw(bomb, new Uint8Array(0), Number.NaN).error).toBe('inflates to more than 1 bytes')
  })
})
