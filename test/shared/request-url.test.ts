// A request's absolute URL, as HAR and `tcpscope show` name it: HTTP/1's from its target and
// Host (har-entry.test.ts has those), HTTP/2's from its pseudo-headers.
import { describe, expect, it } from 'vitest'
import type { HttpMessage } from '../../src/shared/protocol-types'
import type { TlsSummary } from '../../src/shared/tls-types'
import { requestUrl } from '../../src/shared/request-url'

const range = { dir: 'client' as const, offset: 0, length: 0 }

function h2(pairs: Array<[string, string]>, method?: string, target?: string): HttpMessage {
  return {
    dir: 'client',
    startLine: `${method} ${target} HTTP/2`,
    startRange: range,
    version: 'HTTP/2',
    method,
    target,
    headers: pairs.map(([name, value]) => ({ name, value, range })),
    headRange: range,
    body: { framing: 'none', range, size: 0, complete: true },
    startedAt: 0
  }
}

const plain = { target: 'upstream:8080' }
const tls = { target: 'upstream:443', tls: { client: {} } as unknown as TlsSummary }

describe('requestUrl for HTTP/2', () => {
  it('builds the URL from :scheme, :authority and :path', () => {
    const req = h2([[':method', 'GET'], [':scheme', 'https'], [':authority', 'example.test:8443'], [':path', '/a?b=c']], 'GET', '/a?b=c')
    expect(requestUrl(req, plain)).toBe('https://example.test:8443/a?b=c')
  })

  it('falls back to Host, the TLS of the connection and its target where a pseudo-header is missing', () => {
    expect(requestUrl(h2([[':method', 'GET'], [':path', '/x'], ['host', 'h.test']], 'GET', '/x'), tls)).toBe('https://h.test/x')
    expect(requestUrl(h2([[':method', 'GET'], [':path', '/x']], 'GET', '/x'), plain)).toBe('http://upstream:8080/x')
  })

  it('names a CONNECT by its :authority', () => {
    expect(requestUrl(h2([[':method', 'CONNECT'], [':authority', 'db.test:5432']], 'CONNECT', 'db.test:5432'), plain)).toBe('http://db.test:5432')
  })
})
