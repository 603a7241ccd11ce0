// The composer's draft as a PayloadSpec (its bytes are checked against the engine's
// builder in test/core/payload/composer-payloads.test.ts), the history of sent payloads,
// and which connection buttons make sense.
import { describe, expect, it } from 'vitest'
import type { ConnectionSummary } from '../../../../../src/shared/capture-types'
import type { ClientSessionInfo, ServerSessionInfo } from '../../../../../src/shared/session-types'
import {
  composerDraft,
  composerPayload,
  historyEntry,
  MAX_HISTORY,
  MAX_HISTORY_DATA,
  remember,
  reuse,
  validHistory
} from '../../../../../src/renderer/src/features/sessions/composer/composer-draft'
import { connectionActions } from '../../../../../src/renderer/src/features/sessions/composer/connection-actions'

describe('composer payload', () => {
  it('sends only the options that differ from the engine\'s defaults', () => {
    expect(composerPayload({ ...composerDraft(), text: 'hi' })).toEqual({ kind: 'text', data: 'hi' })
    expect(composerPayload({ ...composerDraft(), text: 'hi', encoding: 'gbk', escapes: false, eol: 'crlf', checksum: 'crc32' })).toEqual({
      kind: 'text',
      data: 'hi',
      encoding: 'gbk',
      escapes: false,
      eol: 'crlf',
      checksum: 'crc32'
    })
  })

  it('keeps each kind its own input, and has nothing to send without one', () => {
    const d = { ...composerDraft(), text: 'hello', hex: 'ff' }
    expect(composerPayload({ ...d, kind: 'hex' })?.data).toBe('ff')
    expect(composerPayload(d)?.data).toBe('hello')
    expect(composerPayload(composerDraft())).toBeUndefined()
    expect(composerPayload({ ...composerDraft(), kind: 'hex', hex: '  ' })).toBeUndefined()
    expect(composerPayload({ ...composerDraft(), kind: 'file' })).toBeUndefined()
  })

  it('sends a picked file as its bytes in base64, raw, with the checksum and line ending chosen', () => {
    const file = { name: 'b.bin', size: 3, base64: 'AP8N' }
    expect(composerPayload({ ...composerDraft(), kind: 'file', file, eol: 'lf', checksum: 'xor8', encoding: 'gbk' })).toEqual({
      kind: 'text',
      data: 'AP8N',
      encoding: 'base64',
      escapes: false,
      eol: 'lf',
      checksum: 'xor8'
    })
  })
})

describe('composer history', () => {
  it('keeps the newest first, each payload once, at most MAX_HISTORY', () => {
    let h = remember([], historyEntry({ ...composerDraft(), text: 'a' })!)
    h = remember(h, historyEntry({ ...composerDraft(), kind: 'hex', hex: 'ff' })!)
    h = remember(h, historyEntry({ ...composerDraft(), text: 'a' })!)
    expect(h.map((e) => e.data)).toEqual(['a', 'ff'])
    for (let i = 0; i < 30; i++) h = remember(h, historyEntry({ ...composerDraft(), text: `m${i}` })!)
    expect(h).toHaveLength(MAX_HISTORY)
    expect(h[0].data).toBe('m29')
  })

  it('does not keep files or long payloads', () => {
    expect(historyEntry({ ...composerDraft(), kind: 'file', file: { name: 'x', size: 1, base64: 'AA==' } })).toBeUndefined()
    expect(historyEntry({ ...composerDraft(), text: 'x'.repeat(MAX_HISTORY_DATA + 1) })).toBeUndefined()
  })

  it('puts an entry back with its kind, input and options, and reads only valid entries from storage', () => {
    const e = historyEntry({ ...composerDraft(), kind: 'hex', hex: '0d0a', eol: 'lf', checksum: 'sum8' })!
    const d = reuse({ ...composerDraft(), text: 'kept' }, e)
    expect(d).toMatchObject({ kind: 'hex', hex: '0d0a', text: 'kept', eol: 'lf', checksum: 'sum8' })
    expect(validHistory([e, { kind: 'file', data: 'x' }, null, 'junk'])).toEqual([e])
    expect(validHistory({})).toEqual([])
  })
})

describe('connection buttons', () => {
  const conn = (over: Partial<ConnectionSummary>): ConnectionSummary => ({
    id: 7,
    kind: 'server',
    ownerId: 's1',
    target: '127.0.0.1:9000',
    openedAt: 0,
    bytes: { client: 0, server: 0 },
    fin: { client: false, server: false },
    end: 'open',
    ...over
  })
  const server = (over: Partial<ServerSessionInfo> = {}): ServerSessionInfo => ({
    id: 's1',
    kind: 'server',
    listen: '127.0.0.1:9000',
    state: 'listening',
    clients: [7],
    paused: [],
    accepted: 1,
    refused: 0,
    behaviour: {},
    intervals: [],
    ...over
  })
  const client = (over: Partial<ClientSessionInfo> = {}): ClientSessionInfo => ({ id: 'c1', kind: 'client', target: '127.0.0.1:9000', state: 'open', connId: 8, intervals: [], ...over })

  it('drives an open server client: send, FIN, RST, close, all clients; resume only when held', () => {
    const a = connectionActions(conn({}), [server()], true)
    expect(a).toMatchObject({ ours: 'server', live: true, send: true, fin: true, reset: true, destroy: true, resume: false, reconnect: false, broadcastTo: 's1' })
    expect(connectionActions(conn({}), [server({ paused: [7] })], true).resume).toBe(true)
  })

  it('sends nothing more after our FIN, but can still reset', () => {
    const a = connectionActions(conn({ fin: { client: false, server: true } }), [server()], true)
    expect(a).toMatchObject({ send: false, fin: false, reset: true })
    // The peer's FIN does not stop us sending.
    expect(connectionActions(conn({ fin: { client: true, server: false } }), [server()], true).send).toBe(true)
  })

  it('offers only reconnect on a closed client connection', () => {
    const closed = connectionActions(conn({ id: 8, kind: 'client', ownerId: 'c1', end: 'client-reset' }), [client({ state: 'closed' })], true)
    expect(closed).toMatchObject({ ours: 'client', live: false, send: false, fin: false, reset: false, destroy: false, reconnect: true })
    // An earlier attempt of a client that has reconnected since is not the live one.
    expect(connectionActions(conn({ id: 5, kind: 'client', ownerId: 'c1' }), [client()], true).send).toBe(false)
    expect(connectionActions(conn({ id: 8, kind: 'client', ownerId: 'c1' }), [client()], true).send).toBe(true)
  })

  it('drives nothing of a proxy, a file opened, or a session the engine no longer has', () => {
    expect(connectionActions(conn({ kind: 'proxy', ownerId: 'p1' }), [server()], true).session).toBeUndefined()
    expect(connectionActions(conn({}), [server()], false).send).toBe(false)
    const gone = connectionActions(conn({}), [], true)
    expect([gone.session, gone.send, gone.reset]).toEqual([undefined, false, false])
    // A server whose client list no longer has the connection (it closed meanwhile).
    const left = connectionActions(conn({}), [server({ clients: [] })], true)
    expect([left.live, left.send, left.broadcastTo]).toEqual([false, false, undefined])
  })
})
