// How the HTTP view reads a body: the viewer the engine's reading of it picks (shared
// body-type.ts: HTML, XML and SVG as their source, never rendered; JSON pretty only when the
// engine says the pretty view applies; images and forms only whole), the charset it is read
// in (GBK too), JSON pretty-printed from its own tokens (every digit and duplicate key kept,
// folding by line, read in steps), forms as fields in order, and a WebSocket message in one
// line for its list.
import { describe, expect, it } from 'vitest'
import { bodyType } from '../../../../src/shared/body-type'
import { bodyLook } from '../../../../src/renderer/src/features/http/body-look'
import { formFields } from '../../../../src/renderer/src/features/http/viewers/form-fields'
import { jsonLines, jsonLineSteps, parentLine, visibleLines } from '../../../../src/renderer/src/features/http/viewers/json-lines'
import { wsPreview } from '../../../../src/renderer/src/features/websocket/ws-preview'
import type { WsMessage } from '../../../../src/shared/protocol-types'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const render = (text: string): string[] =>
  jsonLines(text).lines.map((l) => `${'  '.repeat(l.depth)}${l.key === undefined ? '' : `${l.key}: `}${l.text}${l.comma ? ',' : ''}`)
const WHOLE = { pretty: true, whole: true }

describe('body looks', () => {
  it('picks the viewer from how the engine reads the body: markup as its source, binary as hex', () => {
    const types = ['application/json; charset=utf-8', 'application/problem+json', 'text/plain', 'TEXT/HTML; charset=UTF-8', 'image/svg+xml', 'image/png', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/xml']
    expect(types.map((c) => bodyLook(bodyType(c), WHOLE).viewer)).toEqual(['json', 'json', 'text', 'text', 'text', 'image', 'form', 'hex', 'text'])
  })

  it('pretty-prints JSON only when the engine says so, and shows images and forms only whole', () => {
    expect(bodyLook(bodyType('application/json'), { pretty: false, whole: true }).viewer).toBe('text')
    expect(bodyLook(bodyType('image/png'), { pretty: false, whole: false }).viewer).toBe('hex')
    expect(bodyLook(bodyType('application/x-www-form-urlencoded'), { pretty: false, whole: false }).viewer).toBe('text')
  })

  it('reads the charset among the encodings tcpscope knows, and says when it does not know one', () => {
    expect(bodyLook(bodyType('text/html; charset="GB2312"'), WHOLE).encoding).toBe('gbk')
    expect(bodyLook(bodyType('text/plain;charset=Shift_JIS'), WHOLE).encoding).toBe('shift_jis')
    expect(bodyLook(bodyType('text/plain; charset=iso-8859-1'), WHOLE).encoding).toBe('latin1')
    expect(bodyLook(bodyType('text/plain; charset=koi8-r'), WHOLE)).toMatchObject({ encoding: 'utf-8', unknownCharset: 'koi8-r' })
    expect(bodyLook(bodyType('text/plain'), WHOLE)).not.toHaveProperty('unknownCharset')
  })

  it('without a Content-Type, looks at the first bytes', () => {
    expect(bodyLook(bodyType('', bytes('hello\r\nworld')), WHOLE).viewer).toBe('text')
    expect(bodyLook(bodyType('', new Uint8Array([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0])), WHOLE).viewer).toBe('hex')
  })
})

describe('JSON lines', () => {
  it('pretty-prints from the tokens: big numbers, escapes and duplicate keys as sent', () => {
    expect(render('{"id":12345678901234567890,"a":"x\\"y","a":[1,2.5e3,{}],"n":null,"e":[]}')).toEqual([
      '{',
      '  "id": 12345678901234567890,',
      '  "a": "x\\"y",',
      '  "a": [',
      '    1,',
      '    2.5e3,',
      '    {}',
      '  ],',
      '  "n": null,',
      '  "e": []',
      '}'
    ])
  })

  it('folds a line to its closing one, and knows the line that holds another', () => {
    const { lines } = jsonLines('{"a":[1,2],"b":{"c":true}}')
    expect(lines[1]).toMatchObject({ key: '"a"', text: '[', end: 4, items: 2 })
    expect(visibleLines(lines, new Set([1]))).toEqual([0, 1, 5, 6, 7, 8])
    expect(visibleLines(lines, new Set([0]))).toEqual([0])
    expect(parentLine(lines, 3)).toBe(1)
    expect(parentLine(lines, 6)).toBe(5)
    expect(parentLine(lines, 0)).toBeUndefined()
  })

  it('says what is wrong and where, for text that is not JSON', () => {
    expect(jsonLines('{"a": 1,}').problem).toEqual({ message: 'expected a member name in quotes', offset: 8 })
    expect(jsonLines('[1, 2').problem).toMatchObject({ offset: 5 })
    expect(jsonLines('<html>').problem).toMatchObject({ message: 'expected a value', offset: 0 })
    expect(jsonLines('{} {}').problem).toMatchObject({ offset: 3 })
  })

  it('survives nesting a million deep and stops at its line limit', () => {
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000)
    const out = jsonLines(deep, 1000)
    expect(out.cut).toBe(true)
    expect(out.lines).toHaveLength(1000)
  })

  it('reads in steps, so a large body is read in slices and comes out the same', () => {
    const text = JSON.stringify({ items: Array.from({ length: 5000 }, (_, i) => ({ id: i, tags: ['a', 'b'] })) })
    const steps = jsonLineSteps(text)
    let yields = 0
    let next = steps.next()
    while (!next.done) {
      yields++
      next = steps.next()
    }
    expect(yields).toBeGreaterThan(5)
    expect(JSON.stringify(next.value)).toBe(JSON.stringify(jsonLines(text)))
  })
})

describe('form fields', () => {
  it('are decoded in order, duplicates kept, + as a space, bad escapes as sent', () => {
    expect(formFields('a=1&b=x+y&a=%E4%BD%A0&bad=%zz&flag')).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: 'x y' },
      { name: 'a', value: '你' },
      { name: 'bad', value: '%zz' },
      { name: 'flag', value: '' }
    ])
  })

  it('stop at the most asked for', () => {
    expect(formFields('a=1&&b=2&c=3', 2)).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: '2' }
    ])
  })
})

describe('WebSocket previews', () => {
  const msg = (m: Partial<WsMessage>): WsMessage => ({
    index: 0,
    dir: 'client',
    opcode: 'text',
    frames: 1,
    range: { dir: 'client', offset: 0, length: 10 },
    size: 0,
    compressed: false,
    masked: true,
    preview: new Uint8Array(0),
    complete: true,
    startedAt: 0,
    ...m
  })
  it('shows text with its controls named, binary as hex, a close as its code and reason', () => {
    expect(wsPreview(msg({ preview: bytes('hi\tthere'), size: 8 }))).toBe('hi\tthere'.replace('\t', 'HT '))
    expect(wsPreview(msg({ opcode: 'binary', preview: new Uint8Array([0, 1, 255]), size: 3 }))).toBe('00 01 ff')
    expect(wsPreview(msg({ opcode: 'close', closeCode: 1000, closeReason: 'bye' }))).toBe('1000 bye')
  })
})
