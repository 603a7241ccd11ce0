// A TLS connection's Info cell names what its ClientHello asked for, as decoding read it; an
// HTTP/2 connection's is its first exchange in short, as an HTTP/1 one's (it may have come
// over TLS: no "prior knowledge").
import { describe, expect, it } from 'vitest'
import { protocolInfo } from '../../../../src/renderer/src/features/exchanges/protocol-info'

const say = (key: string): string => key

describe('the Info cell of a TLS connection', () => {
  it('shows the SNI and the ALPN offer of its hello', () => {
    expect(protocolInfo({ protocol: 'tls', hello: { sni: 'api.example', alpn: ['h2', 'http/1.1'] } }, say)).toBe('exchanges.info.tls api.example (h2, http/1.1)')
    expect(protocolInfo({ protocol: 'tls', hello: {} }, say)).toBe('exchanges.info.tls')
  })

  it('shows an HTTP/2 connection\'s first exchange and how many more, and nothing of its own before one is decoded', () => {
    const say = (key: string, named?: Record<string, unknown>): string => (named ? `${key}(${JSON.stringify(named)})` : key)
    const h2 = { protocol: 'http2' as const, exchanges: 1, first: { method: 'GET', target: '/api/status', status: 200, contentType: 'application/json', size: 12 } }
    expect(protocolInfo(h2, say)).toBe('GET /api/status → 200 application/json 12 B')
    expect(protocolInfo({ ...h2, exchanges: 3 }, say)).toBe('GET /api/status → 200 application/json 12 B exchanges.info.more({"n":2})')
    expect(protocolInfo({ protocol: 'http2' }, say)).toBe('')
  })
})
