// How `tcpscope replay --exchange` lays out one replay's result: the head as it came, the
// body decoded (JSON and text as text, binary as a short hex dump, --raw as sent), what
// differs with the headers not counted marked, and the verdict last, ending with a newline.
import { describe, expect, it } from 'vitest'
import { responseOutput, resultForJson } from '../../src/cli/commands/replay-http-text'
import type { HttpReplayResponse, HttpReplayResult } from '../../src/shared/replay-types'
import type { ResponseComparison } from '../../src/shared/response-comparison-types'

function response(body: Uint8Array, extra: Partial<HttpReplayResponse> = {}): HttpReplayResponse {
  return { version: 'HTTP/1.1', status: 200, reason: 'OK', headers: [{ name: 'Server', value: 'x' }], bodySize: body.length, body, complete: true, ...extra }
}

function result(res: HttpReplayResponse, extra: Partial<HttpReplayResult> = {}): HttpReplayResult {
  return { target: '127.0.0.1:1', source: { connId: 1, exchange: 0 }, sent: 10, fixed: [], matched: true, differences: [], response: res, ms: 1.5, ...extra }
}

const text = (r: HttpReplayResult, raw = false, hex = false): string => Buffer.from(responseOutput(r, { raw, hex })).toString()
const noComparison: ResponseComparison = { headers: { rows: [], differing: 0, reordered: false }, body: { kind: 'same', differs: false, recordedSize: 0, replayedSize: 0 } }

describe('responseOutput', () => {
  it('prints the decoded body of a coded response, and --raw the bytes as sent, unaltered', () => {
    const gzip = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x1b, 0x5b, 0x32, 0x4a])
    const r = result(response(gzip, { content: { form: 'json', charset: 'utf-8', codings: ['gzip'], bytes: Buffer.from('{"a":1}'), size: 7 } }))
    expect(text(r)).toBe('HTTP/1.1 200 OK\nServer: x\n\n{"a":1}\nresponse matched the recording in 1.5 ms\n')
    const raw = responseOutput(r, { raw: true, hex: false })
    expect(Buffer.from(raw).includes(gzip)).toBe(true)
    expect(text(r, true, true)).toContain('00000000: 1f8b 0800 1b5b 324a')
  })

  it('shows a binary body as a short hex dump, and says how much more there is', () => {
    const bytes = Buffer.alloc(1000, 0)
    const out = text(result(response(bytes, { content: { form: 'binary', charset: 'utf-8', codings: [] } })))
    expect(out.split('\n').filter((l) => /^[0-9a-f]{8}: /.test(l))).toHaveLength(16)
    expect(out).toContain('\n(binary, 1000 B; --hex shows its first 1000 B)\n')
  })

  it('makes control characters from the network harmless, and says what was cut or could not be decoded', () => {
    const r = result(
      response(Buffer.from('hi\x1b[2J'), { bodySize: 100_000, headers: [{ name: 'X', value: 'a\x1b[31m' }], content: { form: 'text', charset: 'utf-8', codings: [], problem: 'gzip data is corrupt near byte 3 of it: x' } })
    )
    const out = text(r)
    expect(out).not.toContain('\x1b')
    expect(out).toContain('X: a\\x1b[31m\n')
    expect(out).toContain('hi\\x1b[2J\n(first 6 B of 97.7 KiB shown)\n(gzip data is corrupt near byte 3 of it: x; shown as sent)\n')
  })

  it('lists what differs, recorded → replayed, with the headers not counted marked, then the verdict', () => {
    const comparison: ResponseComparison = {
      headers: {
        rows: [
          { name: 'Server', recorded: ['x'], replayed: ['x'], change: 'same' },
          { name: 'X-Id', recorded: ['1'], replayed: ['2'], change: 'changed' },
          { name: 'Date', recorded: ['a'], replayed: ['b'], change: 'changed', ignored: 'volatile' },
          { name: 'Content-Length', recorded: ['3'], replayed: ['4'], change: 'changed', ignored: 'framing' },
          { name: 'X-Run', recorded: [], replayed: ['7'], change: 'added', ignored: 'rule' }
        ],
        differing: 1,
        reordered: true
      },
      body: { kind: 'text', differs: true, recordedSize: 3, replayedSize: 4, lines: { hunks: [{ recordedLine: 1, replayedLine: 1, lines: [{ change: 'removed', text: 'abc' }, { change: 'added', text: 'abcd' }] }], cut: false, coarse: false } }
    }
    const out = text(result(response(Buffer.from('abcd')), { matched: false, differences: ['header X-Id: "1" → "2"', 'body 4 bytes (recorded 3)'], comparison }))
    expect(out).toBe(
      [
        'HTTP/1.1 200 OK',
        'Server: x',
        '',
        'abcd',
        '',
        'recorded → replayed:',
        '  header X-Id: "1" → "2"',
        '  header Date: "a" → "b" (not counted: it changes on every answer)',
        `  header Content-Length: "3" → "4" (not counted: the body's comparison covers it)`,
        '  header X-Run added: "7" (not counted: --ignore-header)',
        '  (the headers came in another order: not counted)',
        '  body line 1 (3 B → 4 B):',
        '  - abc',
        '  + abcd',
        'response differs: header X-Id: "1" → "2", body 4 bytes (recorded 3)',
        ''
      ].join('\n')
    )
  })

  it('shows a binary difference as both sides in hex from the first differing row', () => {
    const comparison: ResponseComparison = {
      ...noComparison,
      body: { kind: 'binary', differs: true, recordedSize: 40, replayedSize: 40, firstDifference: 17, at: 16, recorded: Buffer.alloc(16, 1), replayed: Buffer.alloc(16, 2) }
    }
    const out = text(result(response(Buffer.alloc(0)), { matched: false, differences: ['body bytes differ from byte 17'], comparison }))
    expect(out).toContain('\n  body bytes differ from byte 17; recorded:\n    00000010: 0101 0101')
    expect(out).toContain('\n  replayed:\n    00000010: 0202 0202')
  })

  it('ends with a newline when there is no response at all', () => {
    expect(text(result(response(Buffer.alloc(0)), { response: undefined, matched: false, differences: ['no response from 127.0.0.1:1 within 50 ms'] }))).toBe(
      'response differs: no response from 127.0.0.1:1 within 50 ms\n'
    )
  })
})

describe('resultForJson', () => {
  it('gives every byte array as hex', () => {
    const r = result(response(Buffer.from('ab'), { content: { form: 'text', charset: 'utf-8', codings: ['gzip'], bytes: Buffer.from('c') } }), {
      comparison: { ...noComparison, body: { kind: 'binary', differs: true, recordedSize: 1, replayedSize: 1, firstDifference: 0, at: 0, recorded: Buffer.from([1]), replayed: Buffer.from([2]) } }
    })
    const json = JSON.parse(JSON.stringify(resultForJson(r))) as { response: Record<string, unknown>; comparison: { body: Record<string, unknown> } }
    expect(json.response).toMatchObject({ bodyHex: '6162', content: { bytesHex: '63', codings: ['gzip'] } })
    expect(json.response.body).toBeUndefined()
    expect(json.comparison.body).toMatchObject({ recordedHex: '01', replayedHex: '02' })
  })
})
