import { describe, expect, it } from 'vitest'
import { respCodec } from '../../../../src/core/protocols/resp/resp-codec'
import { cut, texts, type Turn } from '../messages/cut'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const command = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`

function describeAll(turns: Turn[], opts: Parameters<typeof cut>[2] = {}) {
  const msgs = cut(respCodec, turns, opts)
  const t = texts(turns, msgs)
  return msgs.map((m, i) => ({ ...m, text: t[i], described: respCodec.describe(m.dir, enc(t[i]).subarray(0), m.note, m.length, !m.incomplete) }))
}

describe('RESP: every type of the protocol spec, pipelining and pub/sub', () => {
  it('reads the spec examples of each RESP2 and RESP3 type as one message each', () => {
    const replies = ['+OK\r\n', '-Error message\r\n', ':1000\r\n', '$5\r\nhello\r\n', '$0\r\n\r\n', '$-1\r\n', '*2\r\n$5\r\nhello\r\n$5\r\nworld\r\n', '*0\r\n', '*-1\r\n', '*3\r\n:1\r\n:2\r\n:3\r\n', '*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Hello\r\n-World\r\n', '_\r\n', ',1.23\r\n', '#t\r\n', '!21\r\nSYNTAX invalid syntax\r\n', '=15\r\ntxt:Some string\r\n', '(3492890328409238509324850943850943825024385\r\n', '%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n', '~5\r\n+orange\r\n+apple\r\n#t\r\n:100\r\n:999\r\n', '|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n']
    const turns: Turn[] = replies.map((r) => ({ dir: 'server', bytes: r }))
    for (const split of ['whole', 'random', 'bytes'] as const) {
      const msgs = describeAll(turns, { split, coalesce: split !== 'whole' })
      expect(msgs.map((m) => m.text)).toEqual(replies)
      expect(msgs.every((m) => m.error === undefined && !m.incomplete)).toBe(true)
    }
    const s = describeAll(turns).map((m) => m.described.summary)
    expect(s.slice(0, 6)).toEqual(['+OK', '-Error message', '(integer) 1000', 'hello', '""', '(nil)'])
    expect(s[6]).toBe('[2] hello world')
    expect(s[11]).toBe('(nil)')
    expect(s[13]).toBe('(true)')
    expect(s[17]).toBe('map[2] first 1 second 2')
  })

  it('pairs each pipelined reply with its command, whatever the segmentation', () => {
    const n = 500
    const cmds = Array.from({ length: n }, (_, i) => command('SET', `pipeline-key-${i}`, `value-${i}`)).join('')
    const turns: Turn[] = [
      { dir: 'client', bytes: cmds },
      { dir: 'server', bytes: '+OK\r\n'.repeat(n) }
    ]
    for (const seed of [1, 2, 3]) {
      const msgs = describeAll(turns, { split: 'random', seed })
      expect(msgs).toHaveLength(2 * n)
      expect(msgs[0].described.summary).toBe('SET pipeline-key-0 value-0')
      expect(msgs[0].note.command).toBe('SET')
      expect(msgs[n].described.summary).toBe('+OK')
      expect(msgs[n + 7].note.pair).toBe(7)
      expect(msgs[2 * n - 1].note.pair).toBe(n - 1)
    }
  })

  it('leaves pub/sub messages unpaired and pairs each subscription confirmation', () => {
    const turns: Turn[] = [
      { dir: 'client', bytes: command('SUBSCRIBE', 'news', 'sport') },
      { dir: 'server', bytes: '*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$5\r\nsport\r\n:2\r\n' },
      { dir: 'server', bytes: '*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n' },
      { dir: 'client', bytes: command('UNSUBSCRIBE') },
      { dir: 'server', bytes: '*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$5\r\nsport\r\n:0\r\n' },
      { dir: 'client', bytes: command('PING') },
      { dir: 'server', bytes: '+PONG\r\n' },
      // RESP3 push.
      { dir: 'server', bytes: '>3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n' }
    ]
    const msgs = describeAll(turns)
    expect(msgs.map((m) => m.note.pair)).toEqual([undefined, 0, 0, undefined, undefined, 4, 4, undefined, 7, undefined])
    expect(msgs[3].note.command).toBe('message')
    expect(msgs[3].described.summary).toBe('[3] message news hello')
    expect(msgs[9].described.summary).toBe('push[3] message news hi')
  })

  it('reads inline commands', () => {
    const msgs = describeAll([{ dir: 'client', bytes: 'PING\r\nSET a "b c"\r\n\r\n' }])
    expect(msgs.map((m) => m.note.command)).toEqual(['PING', 'SET', undefined])
    expect(msgs[0].described.summary).toBe('PING')
    expect(msgs[2].described.summary).toBe('(empty line)')
  })

  it('says where bytes stop being RESP and how long a bulk may be, never waiting for an absurd one', () => {
    const bad = describeAll([{ dir: 'server', bytes: '+OK\r\n?what\r\n+OK\r\n' }])
    expect(bad).toHaveLength(2)
    expect(bad[1].error).toMatch(/no RESP type byte/)
    const huge = describeAll([{ dir: 'server', bytes: '$999999999999\r\nabc' }])
    expect(huge[0].error).toMatch(/over the .* limit/)
    const deep = describeAll([{ dir: 'server', bytes: '*1\r\n'.repeat(100) + ':1\r\n' }])
    expect(deep[0].error).toMatch(/deeper than 64/)
  })

  it('marks a message the stream ended inside as incomplete', () => {
    const msgs = describeAll([{ dir: 'server', bytes: '+OK\r\n$10\r\nhel' }])
    expect(msgs).toHaveLength(2)
    expect(msgs[1].incomplete).toBe(true)
    expect(msgs[1].length).toBe(8)
  })
})
