// What the composer sends: its draft as a PayloadSpec, turned into bytes by the engine's
// own builder; the history of sent payloads; and which connection buttons make sense.
import { describe, expect, it } from 'vitest'
import { buildPayload } from '../../../src/core/payload/build-payload'
import type { ConnectionSummary } from '../../../src/shared/capture-types'
import type { ClientSessionInfo, ServerSessionInfo } from '../../../src/shared/session-types'
import { validateArgs } from '../../../src/shared/contract'
import {
  composerDraft,
  composerPayload,
  historyEntry,
  MAX_HISTORY,
  MAX_HISTORY_DATA,
  remember,
  reuse,
  validHistory
} from '../../../src/renderer/src/composer/composer-draft'
import { connectionActions } from '../../../src/renderer/src/composer/connection-actions'

const bytesOf = async (d: ReturnType<typeof composerDraft>): Promise<string> => {
  const p = composerPayload(d)
  if (!p) return 'nothing'
  validateArgs('conn.send', { connId: 1, payload: p })
  return (await buildPayload(p)).toString('hex')
}

describe('composer payload', () => {
  it('makes text with escapes, in an encoding, then the checksum, then the line ending', async () => {
    expect(await bytesOf({ ...composerDraft(), text: 'A\\x00' })).toBe('4100')
    expect(await bytesOf({ ...composerDraft(), text: 'A\\x00', escapes: false })).toBe('415c783030')
    expect(await bytesOf({ ...composerDraft(), text: '你', encoding: 'gbk', eol: 'crlf' })).toBe('c4e30d0a')
    expect(await bytesOf({ ...composerDraft(), kind: 'hex', hex: '01 03 00 00 00 0a', checksum: 'crc16-modbus' })).toBe('01030000000ac5cd')
  })

  it('sends a picked file as its exact bytes, whatever they are', async () => {
    const bytes = Buffer.from([0, 255, 13, 10, 0x5c, 0x78, 0x30, 0x30])
    const d = { ...composerDraft(), kind: 'file' as const, file: { name: 'b.bin', size: bytes.length, base64: bytes.toString('base64') }, checksum: 'xor8' as const }
    expect(await bytesOf(d)).toBe(`${bytes.toString('hex')}${(bytes.reduce((x, b) => x ^ b, 0)).toString(16).padStart(2, '0')}`)
  })

  it('has nothing to send without input, a file, or a line ending', async () => {
    expect(await bytesOf(composerDraft())).toBe('nothing')
    expect(await bytesOf({ ...composerDraft(), kind: 'hex', hex: '  ' })).toBe('nothing')
    expect(await bytesOf({ ...composerDraft(), kind: 'file' })).toBe('nothing')
    expect(await bytesOf({ ...composerDraft(), eol: 'lf' })).toBe('0a')
  })

  it('keeps each kind its own input', () => {
    const d = { ...composerDraft(), text: 'hello', hex: 'ff' }
    expect(composerPayload({ ...d, kind: 'hex' })?.data).toBe('ff')
    expect(composerPayload(d)?.data).toBe('hello')
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
    ...over
  })
  const client = (over: Partial<ClientSessionInfo> = {}): ClientSessionInfo => ({ id: 'c1', kind: 'client', target: '127.0.0.1:9000', state: 'open', connId: 8, ...over })

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
