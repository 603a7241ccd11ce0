// What a raw connection carries, told from its first bytes: every recogniser is asked once
// a look (a file of 100,000 raw connections was looked at twice over: once for a yes, and
// again for the port's protocol), and the answers are what asking again would give.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { carriedProtocol, MESSAGE_DECODERS, recogniseMessages } from '../../../../src/core/protocols/messages/message-decoders'

const enc = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'))
const none = new Uint8Array(0)

afterEach(() => vi.restoreAllMocks())

describe('the protocol a raw connection carries', () => {
  it('asks each recogniser once a look, whether the bytes, the port or nothing decides', () => {
    const spies = MESSAGE_DECODERS.map((d) => vi.spyOn(d, 'recognise'))
    const looks: Array<[Uint8Array, Uint8Array, number | undefined, boolean]> = [
      [enc('tcpscope bench payload '.repeat(40)), none, 4000, true],
      [enc('hello\n'), none, 6379, true],
      [enc('*1\r\n$4\r\nPING\r\n'), none, 80, false],
      [enc('\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x01'), none, 502, true]
    ]
    for (const [client, server, port, final] of looks) {
      for (const s of spies) s.mockClear()
      carriedProtocol(client, server, port, final)
      for (const s of spies) expect(s.mock.calls.length).toBeLessThanOrEqual(1)
    }
  })

  it('decides as recogniseMessages does once nothing waits', () => {
    const cases: Array<[string, string, number | undefined]> = [
      ['tcpscope bench payload '.repeat(40), '', 4000],
      ['hello\n', '', 6379],
      ['hello\n', '', undefined],
      ['GET / HTTP/1.1\r\n\r\n', '', 6379],
      ['SET k v\r\n', '+OK\r\n', 9000],
      ['\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x01', '', 502],
      ['\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x01', '', 503]
    ]
    for (const [client, server, port] of cases) {
      expect(carriedProtocol(enc(client), enc(server), port, true), JSON.stringify([client.slice(0, 20), server, port])).toBe(recogniseMessages(enc(client), enc(server), port, true) ?? null)
    }
  })
})
