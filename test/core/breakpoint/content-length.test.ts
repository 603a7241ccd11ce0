// An edited HTTP message's Content-Length fits its new body; a chunked one and bytes that
// are not a message are left alone.
import { describe, expect, it } from 'vitest'
import { fitContentLength } from '../../../src/core/breakpoint/content-length'

const fit = (s: string): string => fitContentLength(Buffer.from(s, 'latin1')).toString('latin1')

describe('fitContentLength', () => {
  it('sets every Content-Length to the body length, keeping the name as written', () => {
    expect(fit('POST / HTTP/1.1\r\nHost: h\r\ncontent-length: 3\r\n\r\nlonger')).toBe('POST / HTTP/1.1\r\nHost: h\r\ncontent-length: 6\r\n\r\nlonger')
    expect(fit('HTTP/1.1 200 OK\r\nContent-Length:  2 \r\nContent-Length: 2\r\n\r\n')).toBe('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n')
  })

  it('adds one when a body has none, in the message\'s own line ending', () => {
    expect(fit('POST / HTTP/1.1\r\nHost: h\r\n\r\nab')).toBe('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab')
    expect(fit('POST / HTTP/1.1\nHost: h\n\nab')).toBe('POST / HTTP/1.1\nHost: h\nContent-Length: 2\n\nab')
    expect(fit('GET / HTTP/1.1\r\nHost: h\r\n\r\n')).toBe('GET / HTTP/1.1\r\nHost: h\r\n\r\n')
  })

  it('leaves a chunked body and a head that is not whole as they are', () => {
    const chunked = 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 1\r\n\r\n0\r\n\r\n'
    expect(fit(chunked)).toBe(chunked)
    expect(fit('POST / HTTP/1.1\r\nContent-Length: 1')).toBe('POST / HTTP/1.1\r\nContent-Length: 1')
  })
})
