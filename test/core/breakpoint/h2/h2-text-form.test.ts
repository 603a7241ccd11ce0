// The text form of a held HTTP/2 message: written and read back byte for byte, its mistakes
// named in one line, and content-length fitted only where there is one.
import { describe, expect, it } from 'vitest'
import { fitH2ContentLength, h2Text, parseH2Text } from '../../../../src/core/breakpoint/h2/h2-text-form'

describe('the HTTP/2 text form', () => {
  it('reads back what it wrote, Latin-1 values byte for byte', () => {
    const fields = [
      { name: ':method', value: 'POST' },
      { name: ':path', value: '/a?b=c:d' },
      { name: 'x-raw', value: 'caf\u00e9' }
    ]
    const text = h2Text(fields, Buffer.from('body\r\n\r\nwith blank lines'))
    expect(parseH2Text(text)).toEqual({ fields, body: Buffer.from('body\r\n\r\nwith blank lines') })
  })

  it('takes LF line ends and lowercases names', () => {
    expect(parseH2Text(Buffer.from(':status: 200\nContent-Type: text/plain\n\nhi'))).toEqual({
      fields: [
        { name: ':status', value: '200' },
        { name: 'content-type', value: 'text/plain' }
      ],
      body: Buffer.from('hi')
    })
  })

  it('names what it cannot read', () => {
    expect(parseH2Text(Buffer.from(':method: GET\r\n'))).toEqual({ error: 'the edit has no blank line after its header lines: write the headers, an empty line, then the body' })
    expect(parseH2Text(Buffer.from('no colon here\r\n\r\n'))).toEqual({ error: '"no colon here" is not a header line (name: value)' })
    expect(parseH2Text(Buffer.from('accept: */*\r\n:path: /\r\n\r\n'))).toEqual({ error: 'the pseudo-header :path comes after a regular header; HTTP/2 wants pseudo-headers first' })
  })

  it('fits a content-length to the body, and adds none', () => {
    expect(fitH2ContentLength(Buffer.from(':status: 200\r\ncontent-length: 2\r\n\r\nlonger')).toString()).toBe(':status: 200\r\ncontent-length: 6\r\n\r\nlonger')
    const none = Buffer.from(':status: 200\r\n\r\nlonger')
    expect(fitH2ContentLength(none)).toBe(none)
  })
})
