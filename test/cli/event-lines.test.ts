// How events read on a terminal (proxy, serve and tail print them as they happen): `tls`
// records (a leg's handshake, a hello passed through, each naming TLS that began midway:
// STARTTLS), and a connection's close with its bytes.
import { describe, expect, it } from 'vitest'
import { eventText } from '../../src/cli/event-lines'
import type { ConnectionSummary } from '../../src/shared/capture-types'

const conn = { id: 4, kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:25', openedAt: 0, bytes: { client: 0, server: 0 }, fin: { client: false, server: false }, end: 'open' } as ConnectionSummary
const line = (info: Record<string, unknown>, dir: 'client' | 'server' = 'client'): string | undefined =>
  eventText({ type: 'conn-event', conn, event: { seq: 1, kind: 'tls', dir, time: 0, mono: 0, info } })?.replace(/^\S+ /, '')

describe('tls event lines', () => {
  it('name TLS after STARTTLS with its protocol, terminated or passed through', () => {
    expect(line({ ok: true, side: 'client', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'mail.test', starttls: 'smtp' })).toBe('#4 TLS after STARTTLS (smtp) with the client: TLSv1.3, TLS_AES_128_GCM_SHA256, SNI mail.test')
    expect(line({ ok: true, side: 'server', version: 'TLSv1.3', cipher: 'C', starttls: 'postgres' }, 'server')).toBe('#4 TLS after STARTTLS (postgres) with the target: TLSv1.3, C')
    expect(line({ ok: true, passthrough: true, side: 'client', sni: 'localhost', starttls: 'postgres' })).toBe('#4 TLS after STARTTLS (postgres) passed through: SNI localhost')
    expect(line({ ok: true, passthrough: true, side: 'client' })).toBe('#4 TLS passed through')
  })
})

describe('a connection closing', () => {
  const closing = (c: Partial<ConnectionSummary>): string | undefined =>
    eventText({ type: 'conn-event', conn: { ...conn, end: 'closed', ...c }, event: { seq: 9, kind: 'close', time: 21, mono: 0 } })?.replace(/^\S+ /, '')
  it('says the bytes each side sent, and what tcpscope answered a client with in its target\'s place', () => {
    expect(closing({ bytes: { client: 87, server: 424 } })).toBe('#4 closed: 87 B from client, 424 B from server, 21 ms')
    expect(closing({ bytes: { client: 87, server: 0 }, answered: 175 })).toBe('#4 closed: 87 B from client, 0 B from server (+175 B answered by tcpscope), 21 ms')
  })
})
