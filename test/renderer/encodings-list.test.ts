// One list of text encodings, renderer side: the byte views, the conversation, find and the
// reply-rule editor offer the shared list, named the same, and ASCII is shown as ASCII.
import { describe, expect, it } from 'vitest'
import { ENCODING_LABELS as VIEW_LABELS, SEARCH_ENCODING } from '../../src/renderer/src/bytes/encodings'
import { decodeChars } from '../../src/renderer/src/bytes/text-chars'
import { RULE_ENCODINGS } from '../../src/renderer/src/forms/behaviour-draft'
import { TEXT_ENCODINGS as VIEW_ENCODINGS } from '../../src/renderer/src/stores/settings'
import { TEXT_ENCODINGS as PAYLOAD_ENCODINGS, textEncodingLabel } from '../../src/shared/payload/payload-spec'
import { ENCODING_LABELS, ENCODINGS, WEB_NAMES } from '../../src/shared/text-encodings'

describe('the encodings the UI offers', () => {
  it('are the one list, in the same order and with the same names everywhere', () => {
    const labels = ENCODINGS.map((e) => ENCODING_LABELS[e])
    expect(VIEW_ENCODINGS).toEqual(ENCODINGS.map((e) => WEB_NAMES[e]))
    expect(VIEW_ENCODINGS.map((w) => VIEW_LABELS[w])).toEqual(labels)
    expect(VIEW_ENCODINGS.map((w) => SEARCH_ENCODING[w])).toEqual([...ENCODINGS])
    expect([...RULE_ENCODINGS]).toEqual([...ENCODINGS])
    // The composer: the same, and base64 (a way to write bytes to send).
    expect(PAYLOAD_ENCODINGS.map(textEncodingLabel)).toEqual([...labels, 'Base64'])
  })

  it('shows ASCII with bytes past 0x7f as bytes', () => {
    expect(decodeChars('ascii', Uint8Array.of(0x41, 0xe9), 0, 0, 2).map((c) => [c.text, c.kind])).toEqual([
      ['A', 'text'],
      ['⟨e9⟩', 'bad']
    ])
  })
})
