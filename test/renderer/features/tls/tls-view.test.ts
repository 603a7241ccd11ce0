// @vitest-environment jsdom
// The TLS detail view: each leg's facts side by side (a leg that was plain says so), the
// target's chain (a resumed leg's, from its session, said so), a failed handshake with its engine message as it is and its alert
// explained in words, a hello passed through undecrypted, and a connection with no TLS.
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import TlsView from '../../../../src/renderer/src/features/tls/TlsView.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import type { TlsSummary } from '../../../../src/shared/tls-types'

const conn = (tls?: TlsSummary, over: Partial<ConnectionSummary> = {}): ConnectionSummary =>
  ({ id: 7, kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:8443', openedAt: 0, bytes: { client: 0, server: 0 }, fin: { client: false, server: false }, end: 'open', tls, ...over }) as ConnectionSummary
const TLS12 = { side: 'server' as const, version: 'TLSv1.2', cipher: 'C' }
const view = (c: ConnectionSummary, locale: 'en' | 'zh-CN' = 'en') => mount(TlsView, { props: { conn: c, capture: 'live' }, global: { plugins: [createAppI18n(locale)] } })

describe('the TLS view', () => {
  it('shows each leg’s handshake and the chain the target showed', () => {
    const w = view(
      conn(
        {
          sni: 'upstream.test',
          alpn: 'h2',
          client: { side: 'client', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'upstream.test', alpn: 'h2' },
          server: {
            side: 'server',
            version: 'TLSv1.2',
            cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256',
            resumed: true,
            chain: [{ subject: 'CN=upstream.test', issuer: 'CN=Test Root', validFrom: '2026-01-01T00:00:00Z', validTo: '2027-01-01T00:00:00Z', sha256: 'AA:BB', san: ['DNS:upstream.test'] }]
          }
        },
        { via: 'CONNECT' }
      )
    )
    const region = w.find('[role=region][aria-label=TLS]')
    expect(region.find('svg[role=img]').attributes('aria-label')).toBe('TLS, decrypted')
    expect(region.text()).toContain('upstream.test')
    expect(region.text()).toContain('CONNECT')
    // Decrypted HTTP/2 is decoded: the view says where, never that its decoding comes later.
    expect(region.text()).toContain('The HTTP/2 inside is decoded in the HTTP and H2 frames tabs.')
    expect(region.text()).not.toContain('comes later')
    expect(view(conn({ alpn: 'h2', client: { side: 'client', version: 'TLSv1.3', cipher: 'C', alpn: 'h2' } }), 'zh-CN').text()).toContain('其中的 HTTP/2 已解码，见“HTTP”和“H2 帧”标签页。')
    const rows = w.findAll('table.legs tr').map((r) => r.findAll('th, td').map((c) => c.text()))
    expect(rows[0]).toEqual(['', 'Client leg', 'Target leg'])
    expect(rows).toContainEqual(['Version', 'TLSv1.3', 'TLSv1.2'])
    expect(rows).toContainEqual(['Session resumed', 'no', 'yes'])
    const chain = w.find('[aria-label="Certificate chain of the target"]')
    expect(chain.text()).toContain('CN=Test Root')
    expect(chain.text()).toContain('AA:BB')
    expect(chain.text()).toContain('DNS:upstream.test')
  })

  it('shows a resumed leg’s chain, saying it is the one its session was first checked with, in both languages', () => {
    const chain = [
      { subject: 'CN=localhost', issuer: 'CN=Test CA', validFrom: '2026-01-01T00:00:00Z', validTo: '2027-01-01T00:00:00Z', sha256: 'AA:BB' },
      { subject: 'CN=Test CA', issuer: 'CN=Test CA', validFrom: '2026-01-01T00:00:00Z', validTo: '2036-01-01T00:00:00Z', sha256: 'CC:DD' }
    ]
    const resumed: TlsSummary = { server: { ...TLS12, resumed: true, chain, caFile: '/ca.pem', chainFromSession: true } }
    const w = view(conn(resumed))
    const section = w.find('[aria-label="Certificate chain of the target"]')
    expect(section.findAll('li').map((li) => li.find('dd').text())).toEqual(['CN=localhost', 'CN=Test CA'])
    expect(section.text()).toContain('Resumed session: a resumed handshake shows no certificate. This is the chain as checked on the connection that first made the session.')
    const zh = view(conn(resumed), 'zh-CN').find('[aria-label="目标的证书链"]')
    expect(zh.text()).toContain('复用会话的握手不会出示证书')
    expect(zh.text()).toContain('CN=Test CA')
    // A chain the handshake itself showed has no such note.
    expect(view(conn({ server: { ...TLS12, chain } })).text()).not.toContain('Resumed session')
  })

  it('shows a failed handshake: the engine’s line as it is, and its alert in words', () => {
    const message = "the client rejected tcpscope's certificate (alert unknown_ca): trust tcpscope's CA (`tcpscope ca --export`, then install it)"
    const w = view(conn({ server: TLS12, failure: { side: 'client', code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', alert: 'unknown_ca', message } }))
    const failure = w.find('[aria-label="Handshake failure"]')
    expect(failure.find('h3').text()).toBe('The handshake failed on the client leg (toward the client)')
    expect(failure.text()).toContain(message)
    expect(failure.text()).toContain('it does not trust tcpscope’s CA yet')
    expect(w.find('svg[role=img]').attributes('aria-label')).toBe('TLS handshake failed')
    // The leg whose handshake failed says so, once; it was not plain TCP.
    expect(w.findAll('table.legs tbody tr').map((r) => r.findAll('td')[0].text())).toEqual(['handshake failed', '—', '—', '—', '—'])
    // Chinese: the alert in words too, the engine's line as it is.
    const zh = view(conn({ failure: { side: 'server', code: 'X', alert: 'certificate_required', message: 'm' } }), 'zh-CN')
    expect(zh.text()).toContain('服务器要求客户端证书但没有发送')
    expect(zh.text()).toContain('目标一侧')
  })

  it('says when TLS was passed through, and when there was none', () => {
    const w = view(conn({ passthrough: { sni: 'pass.test', alpn: ['h2', 'http/1.1'] } }))
    expect(w.text()).toContain('passed TLS through untouched')
    expect(w.text()).toContain('h2, http/1.1')
    expect(w.find('table.legs').exists()).toBe(false)
    expect(view(conn()).text()).toBe('No TLS was seen on this connection.')
  })

  it('says when TLS began midway (STARTTLS), in both languages', () => {
    const tls: TlsSummary = { starttls: 'smtp', sni: 'mail.test', client: { side: 'client', version: 'TLSv1.3', cipher: 'C', starttls: 'smtp' }, server: { ...TLS12, starttls: 'smtp' } }
    expect(view(conn(tls)).find('.headline').text()).toContain('TLS after STARTTLS (smtp)')
    expect(view(conn(tls), 'zh-CN').find('.headline').text()).toContain('STARTTLS 之后的 TLS（smtp）')
    expect(view(conn({ passthrough: {}, starttls: 'postgres' })).text()).toContain('switched to TLS midway')
    expect(view(conn({ server: TLS12 })).text()).not.toContain('STARTTLS')
  })
})
