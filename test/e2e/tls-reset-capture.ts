// A capture file as a proxy in front of a TLS web server and a server that resets midway
// writes it (the real capture writer): two HTTPS connections tcpscope decrypted (one to
// localhost:18443, one to a long host name) and a plain one whose response promised 100000
// bytes, sent 1000, then the server reset the connection. For the list, exchange and HTTP
// view tests, and the screenshots of them.
import { LiveCapture } from '../../src/core/capture/write/live-capture'

export const LONG_HOST = 'a-rather-long-upstream-name.example.internal:8443'
export const RESET_TARGET = '127.0.0.1:18082'

const TLS = { ok: true, version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: 'http/1.1' }

export async function writeTlsResetCapture(path: string): Promise<void> {
  const capture = await LiveCapture.create(path, { overwrite: true })
  let port = 38822
  const open = (target: string) => capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '127.0.0.1', port: port++, family: 'IPv4' }, target })
  for (const [target, path] of [
    ['localhost:18443', '/api/status'],
    [LONG_HOST, '/items?page=2']
  ]) {
    const c = open(target)
    const sni = target.replace(/:\d+$/, '')
    c.event('tls', 'client', { ...TLS, sni })
    c.event('tls', 'server', { ...TLS, sni })
    const body = '{"ok":true}'
    c.data('client', Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${target}\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n`))
    c.data('server', Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`))
    c.close('closed')
  }
  const r = open(RESET_TARGET)
  r.data('client', Buffer.from(`GET /r HTTP/1.1\r\nHost: ${RESET_TARGET}\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n`))
  r.data('server', Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nContent-Type: text/plain\r\n\r\n' + 'x'.repeat(1000)))
  r.close('server-reset')
  await capture.close()
}
