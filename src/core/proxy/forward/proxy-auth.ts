// The forward proxy's credentials (`--proxy-auth USER:PASS`) and their checks: HTTP's
// Proxy-Authorization (Basic, RFC 7617) and SOCKS5's username/password (RFC 1929). Both
// compare in constant time: each side is hashed to a fixed-length digest first, so neither
// the comparison nor its length check says how much of a guess was right.

import { createHash, timingSafeEqual } from 'node:crypto'
import { UserError } from '../../net/net-errors'

/** What a 407 asks for: Basic, in a realm named for tcpscope. */
export const PROXY_AUTHENTICATE = 'Basic realm="tcpscope"'

const digest = (user: Uint8Array | string, pass: Uint8Array | string): Buffer => {
  const h = createHash('sha256')
  // The user's length goes in first, so "ab"+"c" and "a"+"bc" differ.
  const u = typeof user === 'string' ? Buffer.from(user, 'utf8') : Buffer.from(user)
  const len = Buffer.alloc(4)
  len.writeUInt32BE(u.length)
  return h.update(len).update(u).update(pass).digest()
}

export class ProxyAuth {
  private readonly expected: Buffer

  private constructor(user: string, pass: string) {
    this.expected = digest(user, pass)
  }

  /** From `USER:PASS` (the password may hold colons); throws a one-line UserError otherwise. */
  static parse(text: string): ProxyAuth {
    const colon = text.indexOf(':')
    if (colon <= 0) throw new UserError('--proxy-auth: give USER:PASS (e.g. --proxy-auth alice:s3cret)', 'EUSAGE')
    const user = text.slice(0, colon)
    const pass = text.slice(colon + 1)
    // RFC 1929 carries each in one length byte: a longer one could never be typed by a SOCKS5 client.
    if (Buffer.byteLength(user) > 255 || Buffer.byteLength(pass) > 255) throw new UserError('--proxy-auth: the user name and the password are 255 bytes at most each (SOCKS5 carries no more)', 'EUSAGE')
    return new ProxyAuth(user, pass)
  }

  /** SOCKS5 (RFC 1929): the user name and password as sent. */
  check(user: Uint8Array, pass: Uint8Array): boolean {
    return timingSafeEqual(digest(user, pass), this.expected)
  }

  /** HTTP: the Proxy-Authorization header's values (a request may carry several; one must match). */
  checkHeader(values: readonly string[]): boolean {
    let ok = false
    // Every value is checked, so the time does not depend on which one matched.
    for (const v of values) if (this.checkBasic(v)) ok = true
    return ok
  }

  private checkBasic(value: string): boolean {
    const m = /^basic[ \t]+([A-Za-z0-9+/=]{1,1400})[ \t]*$/i.exec(value)
    if (!m) return false
    const decoded = Buffer.from(m[1], 'base64')
    const colon = decoded.indexOf(0x3a)
    if (colon < 0) return false
    return this.check(decoded.subarray(0, colon), decoded.subarray(colon + 1))
  }
}
