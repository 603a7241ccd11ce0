// The STARTTLS openings as the proxy follows them, from their specifications' examples
// (RFC 3207, RFC 2595, RFC 3501, PostgreSQL's and MySQL's protocol documents): the switch
// found wherever TCP split the bytes, declines and bytes that are no opening left alone,
// pipelined bytes refused, and hostile bytes never throwing, always within the bound.
import { describe, expect, it } from 'vitest'
import type { Direction } from '../../../../src/shared/direction'
import { LOOK_LIMIT, StartTlsWatch, type Step } from '../../../../src/core/proxy/starttls/starttls-watch'

type Turn = [Direction, string | Buffer]

/** Feeds the turns, each split into `piece`-byte chunks; the kinds of the steps, with the last one whole. */
function follow(turns: Turn[], opts: { intercept?: boolean; piece?: number } = {}): { kinds: Step['kind'][]; last: Step; protocol?: string } {
  const watch = new StartTlsWatch({ intercept: opts.intercept ?? true })
  const kinds: Step['kind'][] = []
  let last: Step = { kind: 'watch' }
  for (const [dir, bytes] of turns) {
    const all = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes
    const piece = opts.piece ?? all.length
    for (let i = 0; i < all.length; i += piece) {
      last = watch.see(dir, all.subarray(i, i + piece))
      kinds.push(last.kind)
      if (last.kind !== 'watch') return { kinds, last, protocol: watch.protocol }
    }
  }
  return { kinds, last, protocol: watch.protocol }
}

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])
const GSSENC_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30])

/** A MySQL protocol-10 handshake, capabilities as given (CLIENT_SSL is 0x0800). */
function mysqlGreeting(caps: number): Buffer {
  const body = Buffer.concat([Buffer.from([10]), Buffer.from('10.11.19-MariaDB\0'), Buffer.alloc(4, 1), Buffer.alloc(8, 0x41), Buffer.from([0]), Buffer.from([caps & 0xff, caps >> 8]), Buffer.alloc(20)])
  const header = Buffer.from([body.length & 0xff, (body.length >> 8) & 0xff, 0, 0])
  return Buffer.concat([header, body])
}
function mysqlSslRequest(caps = 0x0800 | 0x0200 | 0x8000): Buffer {
  const body = Buffer.alloc(32)
  body.writeUInt32LE(caps, 0)
  return Buffer.concat([Buffer.from([32, 0, 0, 1]), body])
}

const SMTP: Turn[] = [
  ['server', '220 mail.example.com ESMTP\r\n'],
  ['client', 'EHLO client.example.org\r\n'],
  ['server', '250-mail.example.com\r\n250-8BITMIME\r\n250 STARTTLS\r\n'],
  ['client', 'STARTTLS\r\n'],
  ['server', '220 Go ahead\r\n']
]

describe('STARTTLS openings', () => {
  for (const piece of [undefined, 1, 3]) {
    it(`SMTP (RFC 3207's example) switches on the 220 after STARTTLS${piece ? `, ${piece} byte(s) at a time` : ''}`, () => {
      const r = follow(SMTP, { piece })
      expect(r.last).toEqual({ kind: 'switch' })
      expect(r.protocol).toBe('smtp')
    })
  }

  it('SMTP: a multi-line greeting, and a 454 that declines (the session stays in the clear and may ask again)', () => {
    const declined = follow([['server', '220-mail.example\r\n220 ready\r\n'], ['client', 'ehlo x\r\n'], ['server', '250 STARTTLS\r\n'], ['client', 'starttls\r\n'], ['server', '454 4.7.0 TLS not available due to temporary reason\r\n'], ['client', 'MAIL FROM:<a@x>\r\n']])
    expect(declined.kinds.every((k) => k === 'watch')).toBe(true)
    const again = follow([['server', '220 ready\r\n'], ['client', 'STARTTLS\r\n'], ['server', '454 later\r\n'], ['client', 'STARTTLS\r\n'], ['server', '220 now\r\n']])
    expect(again.last.kind).toBe('switch')
  })

  it('SMTP with commands pipelined before STARTTLS (RFC 2920): their replies come first', () => {
    const r = follow([['server', '220 ready\r\n'], ['client', 'EHLO x\r\nSTARTTLS\r\n'], ['server', '250-mail\r\n250 STARTTLS\r\n220 go ahead\r\n']])
    expect(r.last).toEqual({ kind: 'switch' })
    const split = follow([['server', '220 ready\r\n'], ['client', 'RSET\r\nNOOP\r\nSTARTTLS\r\n'], ['server', '250 ok\r\n'], ['server', '250 ok\r\n'], ['server', '454 no\r\n']])
    expect(split.kinds.every((k) => k === 'watch')).toBe(true)
  })

  it('POP3 STLS (RFC 2595) and IMAP STARTTLS (RFC 3501), with untagged lines before the tagged OK', () => {
    expect(follow([['server', '+OK POP3 server ready\r\n'], ['client', 'STLS\r\n'], ['server', '+OK Begin TLS negotiation\r\n']]).last.kind).toBe('switch')
    expect(follow([['server', '+OK ready\r\n'], ['client', 'STLS\r\n'], ['server', '-ERR Command not permitted when TLS active\r\n']]).last.kind).toBe('watch')
    const imap: Turn[] = [
      ['server', '* OK IMAP4rev1 Service Ready\r\n'],
      ['client', 'a001 CAPABILITY\r\n'],
      ['server', '* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\na001 OK CAPABILITY completed\r\n'],
      ['client', 'a002 STARTTLS\r\n'],
      ['server', '* NOTE untagged\r\na002 OK Begin TLS negotiation now\r\n']
    ]
    expect(follow(imap, { piece: 2 })).toMatchObject({ last: { kind: 'switch' }, protocol: 'imap' })
    expect(follow([['server', '* OK ready\r\n'], ['client', 'x1 STARTTLS\r\n'], ['server', 'x1 BAD no\r\n']]).last.kind).toBe('watch')
  })

  it('PostgreSQL: an SSLRequest answered S switches, N declines (noted), a StartupMessage stays in the clear', () => {
    expect(follow([['client', SSL_REQUEST], ['server', 'S']], { piece: 3 })).toMatchObject({ last: { kind: 'switch' }, protocol: 'postgres' })
    const refused = follow([['client', SSL_REQUEST], ['server', 'N']])
    expect(refused.last).toMatchObject({ kind: 'over', note: expect.stringMatching(/answered N to the SSLRequest/) as unknown })
    const startup = Buffer.concat([Buffer.from([0, 0, 0, 41, 0, 3, 0, 0]), Buffer.from('user\0postgres\0database\0postgres\0\0')])
    expect(follow([['client', startup]])).toMatchObject({ last: { kind: 'over' }, protocol: 'postgres' })
  })

  it('PostgreSQL: a GSSENCRequest is answered N by tcpscope when it intercepts, by the server when it passes through', () => {
    const intercepted = follow([['client', GSSENC_REQUEST]])
    expect(intercepted.last).toMatchObject({ kind: 'answer', bytes: Buffer.from('N') })
    const passed = follow([['client', GSSENC_REQUEST], ['server', 'N'], ['client', SSL_REQUEST], ['server', 'S']], { intercept: false })
    expect(passed.last.kind).toBe('switch')
    expect(follow([['client', GSSENC_REQUEST], ['server', 'G']], { intercept: false }).last.kind).toBe('over')
  })

  it('MySQL: the 32-byte SSL request after a handshake offering CLIENT_SSL switches; a full login or no CLIENT_SSL stays in the clear', () => {
    expect(follow([['server', mysqlGreeting(0xffff)], ['client', mysqlSslRequest()]], { piece: 5 })).toMatchObject({ last: { kind: 'switch' }, protocol: 'mysql' })
    expect(follow([['server', mysqlGreeting(0xffff & ~0x0800)]]).last.kind).toBe('over')
    const login = Buffer.concat([Buffer.from([60, 0, 0, 1]), Buffer.alloc(60)])
    expect(follow([['server', mysqlGreeting(0xffff)], ['client', login]]).last.kind).toBe('over')
    expect(follow([['server', mysqlGreeting(0xffff)], ['client', mysqlSslRequest(0x0200)]]).last.kind).toBe('over')
  })

  it('refuses bytes pipelined across the switch, from either side', () => {
    const injected = follow([['server', '220 ready\r\n'], ['client', 'STARTTLS\r\nMAIL FROM:<a@x>\r\n']])
    expect(injected.last).toMatchObject({ kind: 'bad', dir: 'client' })
    const early = follow([['server', '220 ready\r\n'], ['client', 'STARTTLS\r\n'], ['client', 'RSET\r\n']])
    expect(early.last).toMatchObject({ kind: 'bad', dir: 'client' })
    const server = follow([['server', '220 ready\r\n'], ['client', 'STARTTLS\r\n'], ['server', '220 go\r\n250 injected\r\n']])
    expect(server.last).toMatchObject({ kind: 'bad', dir: 'server' })
    expect(follow([['client', Buffer.concat([SSL_REQUEST, Buffer.from('x')])]]).last).toMatchObject({ kind: 'bad', dir: 'client' })
    expect(follow([['client', SSL_REQUEST], ['server', 'Sxx']]).last).toMatchObject({ kind: 'bad', dir: 'server' })
    expect(follow([['server', mysqlGreeting(0xffff)], ['client', Buffer.concat([mysqlSslRequest(), Buffer.from([0x16])])]]).last).toMatchObject({ kind: 'bad', dir: 'client' })
  })

  it('leaves alone what is no opening: HTTP, a TLS hello, SSH, and a first line too long to be a greeting', () => {
    expect(follow([['client', 'GET / HTTP/1.1\r\n\r\n']]).last.kind).toBe('over')
    expect(follow([['client', Buffer.from([0x16, 3, 1, 0, 5])]]).last.kind).toBe('over')
    expect(follow([['server', 'SSH-2.0-OpenSSH_9.2\r\n']]).last.kind).toBe('over')
    expect(follow([['server', `220 ${'x'.repeat(5000)}`]]).last.kind).toBe('over')
  })

  it('stops looking after LOOK_LIMIT bytes without a switch', () => {
    const chatter: Turn[] = [['server', '220 ready\r\n']]
    for (let i = 0; i * 12 < LOOK_LIMIT; i++) chatter.push(['client', 'NOOP\r\n'], ['server', '250 OK\r\n'])
    const r = follow(chatter)
    expect(r.last.kind).toBe('over')
  })

  it('never throws on hostile bytes, whatever the split, and always ends within the bound', () => {
    let seed = 7
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const starts = [Buffer.from('220 '), Buffer.from('+OK'), Buffer.from('* OK'), SSL_REQUEST, mysqlGreeting(0xffff), Buffer.alloc(0)]
    for (let round = 0; round < 300; round++) {
      const watch = new StartTlsWatch({ intercept: round % 2 === 0 })
      let fed = 0
      let step: Step = { kind: 'watch' }
      const first = starts[round % starts.length]
      if (first.length > 0) step = watch.see(round % 6 === 3 ? 'client' : 'server', first)
      while (step.kind === 'watch' || step.kind === 'answer') {
        const chunk = Buffer.alloc(1 + Math.floor(random() * 700))
        for (let i = 0; i < chunk.length; i++) chunk[i] = random() < 0.1 ? 0x0a : Math.floor(random() * 256)
        fed += chunk.length
        step = watch.see(random() < 0.5 ? 'client' : 'server', chunk)
        expect(fed).toBeLessThanOrEqual(LOOK_LIMIT + 700)
      }
    }
  })
})
