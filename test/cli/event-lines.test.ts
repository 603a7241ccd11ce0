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

// A data line shows at most 48 characters of its chunk's escaped text; `...` follows exactly
// when that is less than the whole chunk (cut there, or past the 64-byte preview).
describe('a data line', () => {
  const data = (text: string, length = Buffer.byteLength(text)): string | undefined => {
    const bytes = new Uint8Array(Buffer.from(text))
    return eventText({ type: 'conn-data', connId: 2, dir: 'client', offset: 0, length, preview: bytes.subarray(0, 64) }, 0)?.replace(/^\S+ /, '')
  }
  const redis = '*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$26\r\nabcdefghijklmnopqrstuvwxyz\r\n'
  it('has no ellipsis when it shows the whole chunk', () => {
    expect(data('a'.repeat(48))).toBe(`#2 client -> 48 B (at 0) "${'a'.repeat(48)}"`)
    expect(data('*3\r\n')).toBe('#2 client -> 4 B (at 0) "*3\\r\\n"')
    // The last byte's escape runs past 48 characters, but it is shown.
    expect(data(`${'a'.repeat(47)}\r`)).toBe(`#2 client -> 48 B (at 0) "${'a'.repeat(47)}\\r"`)
  })
  it('ends in an ellipsis when it shows less than the whole chunk', () => {
    expect(data('a'.repeat(49))).toBe(`#2 client -> 49 B (at 0) "${'a'.repeat(48)}"...`)
    expect(data(`${'a'.repeat(47)}\r\n`)).toBe(`#2 client -> 49 B (at 0) "${'a'.repeat(47)}\\r"...`)
    expect(data('x'.repeat(129))).toBe(`#2 client -> 129 B (at 0) "${'x'.repeat(48)}"...`)
    // A chunk longer than its 64-byte preview, even when the preview is shown whole.
    expect(data('ab', 100)).toBe('#2 client -> 100 B (at 0) "ab"...')
  })
  it('ends in an ellipsis for redis-cli\'s 54 B SET (its text is cut at the value\'s tenth letter)', () => {
    expect(data(redis)).toBe('#2 client -> 54 B (at 0) "*3\\r\\n$3\\r\\nSET\\r\\n$2\\r\\nk2\\r\\n$26\\r\\nabcdefghij"...')
  })
})
