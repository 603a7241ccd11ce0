// A TLS connection's Info cell names what its ClientHello asked for, as decoding read it.
import { describe, expect, it } from 'vitest'
import { protocolInfo } from '../../../../src/renderer/src/features/exchanges/protocol-info'

const say = (key: string): string => key

describe('the Info cell of a TLS connection', () => {
  it('shows the SNI and the ALPN offer of its hello', () => {
    expect(protocolInfo({ protocol: 'tls', hello: { sni: 'api.example', alpn: ['h2', 'http/1.1'] } }, say)).toBe('exchanges.info.tls api.example (h2, http/1.1)')
    expect(protocolInfo({ protocol: 'tls', hello: {} }, say)).toBe('exchanges.info.tls')
  })
})
