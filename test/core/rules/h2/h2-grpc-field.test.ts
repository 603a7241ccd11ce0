// The gRPC matcher's `field`: a request message's fields by number, read without a schema
// from the call's length-prefixed messages. Text, numbers (and their signed reading, not the
// zigzag one), booleans, a nested message's field; undecided until the body has come; no
// match for a compressed message or a body that is not gRPC's framing; the schema's words.
import { describe, expect, it } from 'vitest'
import { compileMatcher, matcherWords, type Subject } from '../../../../src/core/rules/rule-match'
import { RuleSet } from '../../../../src/core/rules/rule-set'
import type { Matcher } from '../../../../src/shared/rules/rule-types'

const varint = (n: number | bigint): number[] => {
  let v = BigInt.asUintN(64, BigInt(n))
  const out: number[] = []
  do {
    const b = Number(v & 0x7fn)
    v >>= 7n
    out.push(v > 0n ? b | 0x80 : b)
  } while (v > 0n)
  return out
}
const tag = (number: number, wire: number): number[] => varint((number << 3) | wire)
const str = (number: number, s: string | number[]): number[] => {
  const bytes = typeof s === 'string' ? [...Buffer.from(s)] : s
  return [...tag(number, 2), ...varint(bytes.length), ...bytes]
}
const num = (number: number, n: number | bigint): number[] => [...tag(number, 0), ...varint(n)]
const grpcFrame = (payload: number[], compressed = false): number[] => [compressed ? 1 : 0, ...[24, 16, 8, 0].map((s) => (payload.length >>> s) & 0xff), ...payload]

function subject(body: number[] | undefined, path = '/demo.Users/Get'): Subject {
  return {
    conn: { client: '127.0.0.1:5000' },
    request: {
      method: 'POST',
      path,
      query: new URLSearchParams(),
      host: 'svc',
      headers: [{ name: 'content-type', value: 'application/grpc' }],
      ...(body !== undefined ? { body: { bytes: Uint8Array.from(body) } } : {})
    }
  }
}

const test = (field: Record<string, string | number | boolean>): ((s: Subject) => boolean | undefined) => compileMatcher({ grpc: { method: 'Get', field } }, 'rule 1')

// { name: "ann", id: 42, delta: -3, admin: true, address: { city: "Oslo", zip: 150 } }
const USER = [...str(1, 'ann'), ...num(2, 42), ...num(3, -3), ...num(4, 1), ...str(5, [...str(1, 'Oslo'), ...num(2, 150)])]

describe("the gRPC matcher's field", () => {
  it('reads text, numbers, booleans and nested fields of a message', () => {
    const body = grpcFrame(USER)
    expect(test({ '1': 'ann' })(subject(body))).toBe(true)
    expect(test({ '1': 'an' })(subject(body))).toBe(false)
    expect(test({ '2': 42, '1': 'ann' })(subject(body))).toBe(true)
    expect(test({ '2': 21 })(subject(body))).toBe(false)
    expect(test({ '3': -3 })(subject(body))).toBe(true)
    expect(test({ '4': true })(subject(body))).toBe(true)
    expect(test({ '4': false })(subject(body))).toBe(false)
    expect(test({ '5.1': 'Oslo', '5.2': 150 })(subject(body))).toBe(true)
    expect(test({ '5.1': 'Bergen' })(subject(body))).toBe(false)
    expect(test({ '9': 'ann' })(subject(body))).toBe(false)
    // A number is not text, nor text a number.
    expect(test({ '2': '42' })(subject(body))).toBe(false)
    expect(test({ '1': 1 })(subject(body))).toBe(false)
  })

  it('looks at every whole uncompressed message of the call, and waits for the body', () => {
    const two = [...grpcFrame(str(1, 'bob')), ...grpcFrame(USER)]
    expect(test({ '1': 'ann' })(subject(two))).toBe(true)
    expect(test({ '1': 'ann' })(subject(grpcFrame(USER, true)))).toBe(false)
    expect(test({ '1': 'ann' })(subject(grpcFrame(USER).slice(0, 8)))).toBe(false)
    expect(test({ '1': 'ann' })(subject([...Buffer.from('{"name":"ann"}')]))).toBe(false)
    expect(test({ '1': 'ann' })(subject(undefined))).toBeUndefined()
    expect(test({ '1': 'ann' })(subject(grpcFrame(USER), '/demo.Users/List'))).toBe(false)
  })

  it('is checked and said in words', () => {
    const rules = new RuleSet()
    expect(() => rules.set([{ match: { grpc: { field: { name: 'ann' } } }, steps: [{ drop: true }] }])).toThrow(/rule 1\.match\.grpc\.field\.name: expected a field number \(1\), or numbers through nested messages \(2\.1\)/)
    expect(() => rules.set([{ match: { grpc: { field: { '1': null } } }, steps: [{ drop: true }] }])).toThrow(/grpc\.field\.1: expected a string, got null/)
    const m: Matcher = { grpc: { method: '/demo.Users/Get', field: { '1': 'ann', '5.2': 150 } } }
    rules.set([{ match: m, steps: [{ drop: true }] }])
    expect(matcherWords(m)).toBe('gRPC /demo.Users/Get with 1="ann", 5.2=150')
  })
})
