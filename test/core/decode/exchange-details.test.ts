// Exchanges decoded in full, kept a while (exchange-details.ts): those that are over, the
// least lately asked for going first once the capture's are many.
import { describe, expect, it } from 'vitest'
import { ExchangeDetails } from '../../../src/core/decode/exchange-details'
import type { ExchangeState, HttpExchange } from '../../../src/shared/protocol-types'

const exchange = (index: number, state: ExchangeState = 'complete'): HttpExchange => ({ index, state, informational: [] }) as unknown as HttpExchange

describe('exchanges kept in full', () => {
  it('keeps those that are over, by connection and index, and never a pending one', () => {
    const d = new ExchangeDetails(10)
    d.put(1, exchange(0))
    d.put(1, exchange(1, 'pending'))
    d.put(2, exchange(0, 'incomplete'))
    d.put(2, exchange(1, 'upgraded'))
    expect(d.get(1, 0)?.state).toBe('complete')
    expect(d.get(1, 1)).toBeUndefined()
    expect(d.get(2, 0)?.state).toBe('incomplete')
    expect(d.get(2, 1)?.state).toBe('upgraded')
    expect(d.get(3, 0)).toBeUndefined()
  })

  it('does not keep one whose bodies list many chunks', () => {
    const d = new ExchangeDetails(10)
    const chunked = (n: number): HttpExchange => ({ ...exchange(0), response: { body: { chunks: Array.from({ length: n }, (_, i) => ({ dir: 'server', offset: i * 10, length: 5 })) } } }) as unknown as HttpExchange
    d.put(1, chunked(256))
    d.put(2, chunked(257))
    expect(d.get(1, 0)).toBeDefined()
    expect(d.get(2, 0)).toBeUndefined()
  })

  it('lets the least lately asked for go first', () => {
    const d = new ExchangeDetails(3)
    for (const i of [0, 1, 2]) d.put(1, exchange(i))
    // Asked for: 0 is now the latest, and 1 the first to go.
    expect(d.get(1, 0)).toBeDefined()
    d.put(1, exchange(3))
    expect([0, 1, 2, 3].map((i) => d.get(1, i) !== undefined)).toEqual([true, false, true, true])
  })
})
