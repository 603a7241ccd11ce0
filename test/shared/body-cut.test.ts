// The one sentence every front end says about a body cut short: at the limit (with its
// coding, size and ratio, or for a body sent as it is), or at an absurd ratio.
import { describe, expect, it } from 'vitest'
import { bodyCutNote, type BodyCut } from '../../src/shared/body-cut'

const MiB = 1024 * 1024

describe('bodyCutNote', () => {
  it('says what was decoded, of how much, why, and what is shown', () => {
    const cut: BodyCut = { reason: 'limit', kept: 64 * MiB, decoded: 64 * MiB + 65536, limit: 64 * MiB, consumed: 65_100, sentSize: 2_128_000, codings: ['gzip'] }
    expect(bodyCutNote(cut)).toBe('decoded 64 MiB of more than 64 MiB (gzip 2.03 MiB, ratio over 1000:1); showing the first 64 MiB')
    expect(bodyCutNote({ ...cut, codings: ['gzip', 'br'], sentSize: undefined, consumed: 20 * MiB })).toBe('decoded 64 MiB of more than 64 MiB (gzip, br, ratio over 3.2:1); showing the first 64 MiB')
  })

  it('says a ratio stop, with the ratio rounded down so that "over" holds', () => {
    const cut: BodyCut = { reason: 'ratio', kept: 1_114_112, decoded: 1_114_112, limit: 64 * MiB, consumed: 8_000, sentSize: 1000, codings: ['br'] }
    expect(bodyCutNote(cut)).toBe('stopped decoding at 1.06 MiB: it expands over 130:1 (br 1000 B), past the 100:1 allowed; showing the first 1.06 MiB')
  })

  it('says a body sent with no coding is over the limit', () => {
    expect(bodyCutNote({ reason: 'limit', kept: 8 * MiB, decoded: 200 * MiB, limit: 8 * MiB, consumed: 200 * MiB, sentSize: 200 * MiB, codings: [] })).toBe(
      'the body is 200 MiB, more than the 8 MiB limit; showing the first 8 MiB'
    )
    expect(bodyCutNote({ reason: 'limit', kept: 8 * MiB, decoded: 9 * MiB, limit: 8 * MiB, consumed: 9 * MiB, codings: [] })).toBe('the body is more than the 8 MiB limit; showing the first 8 MiB')
  })
})
