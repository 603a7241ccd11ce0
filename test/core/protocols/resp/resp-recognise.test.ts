// redis recognised by itself on any port: a client's RESP array, or an inline line the server
// answered in RESP (and, when it never answered, an inline command: a line of words whose
// first is a redis command, with as many arguments as that command takes). Text protocols
// that are not redis (HTTP, SMTP, FTP, POP3's greeting alone, memcached's replies, a chat
// line, PING to an echo server) are not.
import { describe, expect, it } from 'vitest'
import { recogniseResp } from '../../../../src/core/protocols/resp/resp-recognise'
import { recogniseMessages } from '../../../../src/core/protocols/messages/message-decoders'

const enc = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'))
const none = new Uint8Array(0)
const rec = (client: string, server = ''): boolean | undefined => recogniseResp(enc(client), enc(server))
/** What the line says when no more will come and the server never answered. */
const unanswered = (client: string): boolean | undefined => recogniseResp(enc(client), none, true)

describe('recognising redis from either side', () => {
  it('takes an inline command once its server answers in RESP, in any case, ending CRLF or LF', () => {
    expect(rec('PING\r\n', '+PONG\r\n')).toBe(true)
    expect(rec('ping\n', '+PONG\r\n')).toBe(true)
    expect(rec('SET greeting hello\r\nSET other value\r\n', '+OK\r\n+OK\r\n')).toBe(true)
    expect(rec('set k "two words"\n', '+OK\r\n')).toBe(true)
    expect(rec('GET "a key with spaces"\r\n', '$-1\r\n')).toBe(true)
    expect(rec('hset h f v\r\n', ':1\r\n')).toBe(true)
    expect(rec('KEYS *\r\n', '*0\r\n')).toBe(true)
    // Before the answer: waiting, whatever the line.
    expect(rec('PING\r\n')).toBeUndefined()
    expect(rec('SET k v\r\n')).toBeUndefined()
  })

  it('takes a redis command with its arguments as redis when its server never answered, and nothing else', () => {
    expect(unanswered('PING\r\n')).toBe(true)
    expect(unanswered('set k "two words"\n')).toBe(true)
    expect(unanswered('hset h f v\r\n')).toBe(true)
    expect(unanswered('NEWCMD x\r\n')).toBeUndefined()
    expect(unanswered('time to go\n')).toBeUndefined()
    expect(unanswered('hello\n')).toBeUndefined()
  })

  it('does not take PING or any redis word its server answers in words of its own (an echo server, IRC)', () => {
    expect(rec('PING hello\r\n', 'PING hello\r\n')).toBe(false)
    expect(rec('PING :irc.example\r\n', ':irc.example PONG irc.example :irc.example\r\n')).toBe(false)
    expect(recogniseResp(enc('SET k v\r\n'), enc('SET k v\r\n'), true)).toBe(false)
  })

  it('takes a RESP client from its first bytes, and nothing else that begins with a star', () => {
    expect(rec('*2\r\n$3\r\nGET')).toBe(true)
    expect(rec('*2')).toBeUndefined()
    expect(rec('\x16\x03\x01')).toBe(false)
    expect(rec('*x')).toBe(false)
  })

  it('takes the server\'s RESP replies to an inline line it does not know the command of', () => {
    expect(rec('JSON.SET doc $ 1\r\n', '+OK\r\n')).toBe(true)
    expect(rec('NEWCMD x\r\n', "-ERR unknown command 'NEWCMD', with args beginning with: 'x' \r\n")).toBe(true)
    expect(rec('NEWCMD x\r\n', ':1\r\n')).toBe(true)
    expect(rec('NEWCMD x\r\n', '$5\r\nhello\r\n')).toBe(true)
    expect(rec('NEWCMD x\r\n', '*2\r\n$1\r\na\r\n$1\r\nb\r\n')).toBe(true)
    // Not answered yet: the port decides.
    expect(rec('NEWCMD x\r\n')).toBeUndefined()
  })

  it('waits for a line\'s end, and for the client: a server speaking first is not redis', () => {
    expect(rec('PIN')).toBeUndefined()
    expect(rec('SET k')).toBeUndefined()
    expect(rec('GET / HTTP/1.1')).toBeUndefined()
    expect(rec('PING\r')).toBeUndefined()
    expect(recogniseResp(none, enc('+OK POP3 server ready\r\n'))).toBeUndefined()
    // ... but not for long: no line within 512 bytes is no command, whatever its first word.
    expect(rec('SET k ' + 'v'.repeat(505))).toBeUndefined()
    expect(rec('SET k ' + 'v'.repeat(506))).toBe(false)
    expect(rec('tcpscope bench payload '.repeat(40))).toBe(false)
    expect(rec('{"not": "a command word"')).toBe(false)
  })

  it('does not take a text protocol that is not redis', () => {
    // HTTP, even HTTP/1.0 and a lower-case method, and its replies.
    expect(rec('GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toBe(false)
    expect(rec('get /index.html HTTP/1.0\r\n')).toBe(false)
    // SMTP and FTP: the server speaks first, in words; the client's first lines are not redis's.
    expect(rec('EHLO client.example\r\n', '220 mail.example ESMTP\r\n')).toBe(false)
    expect(rec('EHLO client.example\r\n')).not.toBe(true)
    expect(rec('HELO client.example\r\n')).not.toBe(true)
    expect(rec('USER anonymous\r\n', '220 ftp ready\r\n')).toBe(false)
    expect(rec('AUTH TLS\r\n', '220 ftp ready\r\n')).toBe(false)
    // memcached's commands share redis's words; its replies do not.
    expect(rec('set k 0 0 5\r\nhello\r\n', 'STORED\r\n')).toBe(false)
    expect(rec('get k\r\n', 'END\r\n')).toBe(false)
    // POP3 greets with +OK and words: no redis reply.
    expect(rec('CAPA\r\n', '+OK POP3 server ready\r\n')).toBe(false)
    expect(rec('AUTH PLAIN\r\n', '+OK POP3 server ready\r\n')).toBe(false)
    // A line-based chat: a greeting is not redis's HELLO, and words with the wrong count are not commands.
    expect(rec('hello\n')).not.toBe(true)
    expect(rec('hello\n', 'hello\n')).toBe(false)
    expect(rec('time to go\n')).not.toBe(true)
    expect(rec('echo this back please\n')).not.toBe(true)
    expect(rec('quit\n', 'bye\n')).toBe(false)
    // Bytes that are no line of words.
    expect(rec('\x00\x01SET\r\n')).toBe(false)
    expect(rec('SET k\x01v\r\n')).toBe(false)
  })

  it('is what a connection on a port not redis\'s is recognised as, from its client or its server', () => {
    expect(recogniseMessages(enc('SET k v\r\n'), none, 7000)).toBe('resp')
    expect(recogniseMessages(enc('PING hello\r\n'), enc('PING hello\r\n'), 7000)).toBeUndefined()
    expect(recogniseMessages(enc('PING\r\n'), enc('+PONG\r\n'), 7000)).toBe('resp')
    expect(recogniseMessages(enc('FOO.BAR\r\n'), enc('+OK\r\n'), 7000)).toBe('resp')
    expect(recogniseMessages(enc('hello\n'), enc('hello\n'), 7000)).toBeUndefined()
    expect(recogniseMessages(enc('EHLO me\r\n'), enc('220 hi\r\n'), 25)).toBeUndefined()
    expect(recogniseMessages(enc('HELO me\r\n'), none, 25)).toBeUndefined()
  })
})
