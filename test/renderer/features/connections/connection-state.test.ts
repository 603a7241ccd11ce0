// A connection's state label: a connect whose TCP came up but whose TLS handshake toward the
// target failed (a certificate not trusted: a replay, a proxy) says "TLS failed", not
// "connect failed"; a refused connect still says that.
import { describe, expect, it } from 'vitest'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import { stateKey } from '../../../../src/renderer/src/features/connections/connection-state'

const conn = (more: Partial<ConnectionSummary>): ConnectionSummary => ({ end: 'open', fin: { client: false, server: false }, ...more }) as ConnectionSummary

describe('stateKey', () => {
  it('says a TLS handshake that failed toward the target as such', () => {
    expect(stateKey(conn({ end: 'connect-failed', tls: { failure: { side: 'server', message: 'cannot verify' } } as ConnectionSummary['tls'] }))).toBe('tls-failed')
    expect(stateKey(conn({ end: 'connect-failed' }))).toBe('connect-failed')
    expect(stateKey(conn({ end: 'closed' }))).toBe('closed')
    expect(stateKey(conn({ end: 'open', fin: { client: true, server: false } }))).toBe('half-client')
  })
})
