// What a framing script's answers become, checked where they are read: a length given as a
// BigInt (DataView.getBigUint64 reads one) is that length, and a summary or a field's text
// holding controls or bidirectional overrides (U+202E turned the rest of a row around) shows
// them escaped.
import { describe, expect, it } from 'vitest'
import { describeAnswer, frameAnswer } from '../../../../src/core/protocols/script/script-answers'
import { textOf } from '../../../../src/core/protocols/messages/field-values'

const MAX = 16 * 1024 * 1024

describe("a framing script's answers", () => {
  it('takes a BigInt length, need or skip a safe number holds, and names a BigInt it refuses as one', () => {
    expect(frameAnswer(4n, 10, MAX)).toEqual({ kind: 'length', length: 4 })
    expect(frameAnswer({ need: 12n }, 10, MAX)).toEqual({ kind: 'need', need: 12 })
    expect(frameAnswer({ skip: 2n }, 10, MAX)).toEqual({ kind: 'skip', skip: 2 })
    expect(frameAnswer(2n ** 64n, 10, MAX)).toEqual({ kind: 'bad', error: expect.stringMatching(/^frame\(\) returned 18446744073709551616n: return the message's length/) })
    expect(frameAnswer(-1n, 10, MAX)).toEqual({ kind: 'bad', error: expect.stringMatching(/^frame\(\) returned -1n: /) })
  })

  it('escapes what would hide or turn text around, in a summary, a field name and a value', () => {
    const d = describeAnswer({ summary: 'ok \u202Etxt.exe', fields: [{ name: 'n\u200Bame', value: 'a\u2066b\u0085c' }] }, 4)
    expect(d).toEqual({ summary: 'ok \\u{202E}txt.exe', fields: [{ name: 'n\\u{200B}ame', value: 'a\\u{2066}b\\u{0085}c' }], cut: false })
    expect(textOf(new TextEncoder().encode('GET /\u202Efdp.exe\r\n'))).toBe('GET /\\u{202E}fdp.exe\\r\\n')
    // Text a person reads stays as it is: Chinese, emoji, accents.
    expect(textOf(new TextEncoder().encode('你好 😀 café'))).toBe('你好 😀 café')
  })
})
