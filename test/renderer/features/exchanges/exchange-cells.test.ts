// An exchange over TLS tcpscope terminated has a lock beside its bare host (the scheme took the
// host's width); one whose response began but did not complete is marked beside its status.
// The protocol cell names how it went over the wire, with an HTTP/2 exchange's stream.
import { describe, expect, it } from 'vitest'
import { exchangeCells, type StateWords } from '../../../../src/renderer/src/features/exchanges/exchange-cells'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import type { ExchangeRow } from '../../../../src/shared/protocol-types'

const words: StateWords = { pending: 'pending', complete: '', incomplete: 'incomplete', upgraded: 'upgraded' }
const row: ExchangeRow = { connId: 1, index: 0, method: 'GET', host: 'api.test', path: '/', status: 200, requestSize: 0, responseSize: 2, startedAt: 0, state: 'complete' }
const say = createAppI18n('en').global.t
const sayZh = createAppI18n('zh-CN').global.t

describe('exchange cells', () => {
  it('leave the host bare, with a lock for an exchange over TLS', () => {
    const tls = exchangeCells({ ...row, host: 'localhost:18443', scheme: 'https' }, words, say)
    expect([tls.host, tls.lock]).toEqual(['localhost:18443', 'HTTPS (TLS, decrypted)'])
    expect(exchangeCells({ ...row, scheme: 'https' }, words, sayZh).lock).toBe('HTTPS（TLS，已解密）')
    const plain = exchangeCells(row, words, say)
    expect([plain.host, plain.lock]).toEqual(['api.test', ''])
  })

  it('mark an exchange whose response began but did not complete (a reset midway), not one still waiting', () => {
    const cut = exchangeCells({ ...row, state: 'incomplete' }, words, say)
    expect([cut.status, cut.cut]).toEqual(['200', 'incomplete'])
    expect(cut.cutName).toMatch(/^Incomplete: its connection ended \(reset or closed\)/)
    expect(exchangeCells({ ...row, state: 'incomplete' }, { ...words, incomplete: '不完整' }, sayZh).cutName).toMatch(/^不完整：/)
    // Without a status the state is the cell's word, not a mark beside it.
    const none = exchangeCells({ ...row, status: undefined, state: 'incomplete' }, words, say)
    expect([none.status, none.cut]).toEqual(['incomplete', ''])
    expect(exchangeCells(row, words, say).cut).toBe('')
    expect(exchangeCells({ ...row, status: undefined, state: 'pending' }, words, say).cut).toBe('')
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
