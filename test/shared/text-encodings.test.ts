// One list of text encodings, engine side: find, the composer's payloads, reply rules and
// expect take exactly that list, and Shift_JIS (once only a view's) is sent and read too.
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { buildPayload } from '../../src/core/payload/build-payload'
import { decodeText } from '../../src/core/payload/decode-text'
import { validateArgs } from '../../src/shared/contract'
import { payloadSpec, TEXT_ENCODINGS as PAYLOAD_ENCODINGS } from '../../src/shared/payload/payload-spec'
import { expectArgs, replyRule } from '../../src/shared/session-types'
import { ENCODINGS } from '../../src/shared/text-encodings'

describe('the one list of encodings', () => {
  it('is what find, payloads, reply rules and expect take', () => {
    expect(PAYLOAD_ENCODINGS.filter((e) => e !== 'base64')).toEqual([...ENCODINGS])
    for (const encoding of ENCODINGS) {
      expect(() => validateArgs('conn.search', { capture: 'live', connId: 1, dir: 'client', pattern: { kind: 'text', value: 'x', encoding } })).not.toThrow()
      expect(() => payloadSpec.parse({ kind: 'text', data: 'x', encoding }, '')).not.toThrow()
      expect(() => replyRule.parse({ match: 'contains', pattern: 'x', encoding, reply: { kind: 'text', data: 'y' } }, '')).not.toThrow()
      expect(() => expectArgs.parse({ connId: 1, pattern: 'x', timeoutMs: 1000, encoding }, '')).not.toThrow()
    }
  })

  it('sends and reads Shift_JIS', async () => {
    const sjis = await buildPayload({ kind: 'text', data: '日本', encoding: 'shift_jis' })
    expect(sjis).toEqual(iconv.encode('日本', 'shift_jis'))
    expect(decodeText(sjis, 'shift_jis')).toBe('日本')
  })
})
