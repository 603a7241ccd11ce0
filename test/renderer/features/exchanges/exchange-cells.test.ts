// An exchange over TLS tcpscope terminated shows its scheme in the host cell; plain HTTP stays
// bare. The protocol cell names how it went over the wire, with an HTTP/2 exchange's stream.
import { describe, expect, it } from 'vitest'
import { exchangeCells, type StateWords } from '../../../../src/renderer/src/features/exchanges/exchange-cells'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import type { ExchangeRow } from '../../../../src/shared/protocol-types'

const words: StateWords = { pending: 'pending', complete: '', incomplete: 'incomplete', upgraded: 'upgraded' }
const row: ExchangeRow = { connId: 1, index: 0, method: 'GET', host: 'api.test', path: '/', status: 200, requestSize: 0, responseSize: 2, startedAt: 0, state: 'complete' }
const say = createAppI18n('en').global.t
const sayZh = createAppI18n('zh-CN').global.t

describe('exchange cells', () => {
  it('write https:// before the host of an exchange over TLS', () => {
    expect(exchangeCells({ ...row, scheme: 'https' }, words, say).host).toBe('https://api.test')
    expect(exchangeCells(row, words, say).host).toBe('api.test')
  })

  it('name the protocol, and an HTTP/2 exchange its stream beside it', () => {
    const proto = (r: Partial<ExchangeRow>, t = say): string => exchangeCells({ ...row, ...r }, words, t).proto
    expect(proto({})).toBe('HTTP/1.1')
    expect(proto({ stream: 5 })).toBe('h2c · 5')
    expect(proto({ stream: 5, scheme: 'https' })).toBe('h2 · 5')
    expect(proto({ stream: 3, contentType: 'application/grpc+proto' })).toBe('gRPC · 3')
    expect(proto({ stream: 1, scheme: 'https', contentType: 'application/grpc-web-text' })).toBe('gRPC-Web · 1')
    // Not gRPC by a type that merely starts alike.
    expect(proto({ stream: 7, contentType: 'application/grpcx' })).toBe('h2c · 7')
    expect(proto({ stream: 9 }, sayZh)).toBe('h2c · 9')
  })
})
