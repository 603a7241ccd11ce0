// An exchange over TLS tcpscope terminated shows its scheme in the host cell; plain HTTP stays bare.
import { describe, expect, it } from 'vitest'
import { exchangeCells, type StateWords } from '../../../../src/renderer/src/features/exchanges/exchange-cells'
import type { ExchangeRow } from '../../../../src/shared/protocol-types'

const words: StateWords = { pending: 'pending', complete: '', incomplete: 'incomplete', upgraded: 'upgraded' }
const row: ExchangeRow = { connId: 1, index: 0, method: 'GET', host: 'api.test', path: '/', status: 200, requestSize: 0, responseSize: 2, startedAt: 0, state: 'complete' }

describe('exchange cells', () => {
  it('write https:// before the host of an exchange over TLS', () => {
    expect(exchangeCells({ ...row, scheme: 'https' }, words).host).toBe('https://api.test')
    expect(exchangeCells(row, words).host).toBe('api.test')
  })
})
