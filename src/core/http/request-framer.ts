// Splits a client's byte stream into HTTP/1.x requests (head + Content-Length or chunked
// body), so a canned response is sent once per request, keep-alive and pipelining
// included, however the bytes were chunked by TCP.

export interface RequestHead {
  method: string
  target: string
  version: string
  headers: Array<[string, string]>
  /** Whether the connection stays open after the response. */
  keepAlive: boolean
}

export class HttpFramingError extends Error {}

const MAX_HEAD = 64 * 1024
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const CRLF = Buffer.from('\r\n')
const HEAD_END = Buffer.from('\r\n\r\n')

type Body = { kind: 'length'; remaining: number } | { kind: 'chunked'; state: 'size' | 'data' | 'data-crlf' | 'trailer'; remaining: number }

function parseHead(text: string): { head: RequestHead; body: Body | undefined } {
  const lines = text.split('\r\n')
  const m = /^(\S+) (\S+) HTTP\/(1\.[01])$/.exec(lines[0])
  if (!m || !TOKEN.test(m[1])) throw new HttpFramingError(`not an HTTP/1.x request line: "${lines[0].slice(0, 80)}"`)
  const headers: Array<[string, string]> = []
  for (const l of lines.slice(1)) {
    const colon = l.indexOf(':')
    if (colon <= 0 || !TOKEN.test(l.slice(0, colon))) throw new HttpFramingError(`bad header line: "${l.slice(0, 80)}"`)
    headers.push([l.slice(0, colon), l.slice(colon + 1).trim()])
  }
  const get = (name: string): string[] => headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v)
  const connection = get('connection').join(',').toLowerCase()
  const version = m[3]
  const keepAlive = version === '1.1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection)
  const head = { method: m[1], target: m[2], version, headers, keepAlive }
  const te = get('transfer-encoding').join(',').toLowerCase()
  if (te !== '') {
    if (!/(^|,)\s*chunked\s*$/.test(te)) throw new HttpFramingError(`unsupported Transfer-Encoding "${te}"`)
    return { head, body: { kind: 'chunked', state: 'size', remaining: 0 } }
  }
  const lengths = [...new Set(get('content-length'))]
  if (lengths.length > 1 || (lengths.length === 1 && !/^\d+$/.test(lengths[0]))) {
    throw new HttpFramingError(`bad Content-Length "${lengths.join(', ')}"`)
  }
  const length = lengths.length ? Number(lengths[0]) : 0
  return { head, body: length > 0 ? { kind: 'length', remaining: length } : undefined }
}

export class HttpRequestFramer {
  private buf: Buffer = Buffer.alloc(0)
  private head: RequestHead | undefined
  private body: Body | undefined

  /** Feeds bytes; returns the requests completed by them. Throws HttpFramingError on garbage. */
  push(chunk: Buffer): RequestHead[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    const done: RequestHead[] = []
    for (;;) {
      if (this.head === undefined) {
        // Stray CRLFs between requests are allowed (RFC 9112 2.2).
        while (this.buf.subarray(0, 2).equals(CRLF)) this.buf = this.buf.subarray(2)
        const end = this.buf.indexOf(HEAD_END)
        if (end < 0) {
          if (this.buf.length > MAX_HEAD) throw new HttpFramingError(`request head larger than ${MAX_HEAD} bytes`)
          return done
        }
        const parsed = parseHead(this.buf.toString('latin1', 0, end))
        this.buf = this.buf.subarray(end + 4)
        this.head = parsed.head
        this.body = parsed.body
      }
      if (this.body !== undefined && !this.consumeBody(this.body)) return done
      done.push(this.head)
      this.head = undefined
      this.body = undefined
    }
  }

  /** Consumes body bytes; true once the body is complete. */
  private consumeBody(b: Body): boolean {
    if (b.kind === 'length') {
      const n = Math.min(b.remaining, this.buf.length)
      b.remaining -= n
      this.buf = this.buf.subarray(n)
      return b.remaining === 0
    }
    for (;;) {
      if (b.state === 'data') {
        const n = Math.min(b.remaining, this.buf.length)
        b.remaining -= n
        this.buf = this.buf.subarray(n)
        if (b.remaining > 0) return false
        b.state = 'data-crlf'
        continue
      }
      const eol = this.buf.indexOf(CRLF)
      if (eol < 0) {
        if (this.buf.length > MAX_HEAD) throw new HttpFramingError('chunked body line too long')
        return false
      }
      const line = this.buf.toString('latin1', 0, eol)
      this.buf = this.buf.subarray(eol + 2)
      if (b.state === 'data-crlf') {
        if (line !== '') throw new HttpFramingError('chunk data not followed by CRLF')
        b.state = 'size'
      } else if (b.state === 'size') {
        const size = /^([0-9a-fA-F]+)\s*(;.*)?$/.exec(line)
        if (!size) throw new HttpFramingError(`bad chunk size line "${line.slice(0, 40)}"`)
        b.remaining = parseInt(size[1], 16)
        b.state = b.remaining === 0 ? 'trailer' : 'data'
      } else if (line === '') {
        return true // end of trailers
      }
    }
  }
}
