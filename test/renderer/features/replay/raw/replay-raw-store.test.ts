// The raw replay store over a fake engine (the real one is driven end to end in
// test/e2e/replay-raw.e2e.test.ts): it numbers a connection's turns as the engine's replay
// does (a server greeting is a turn with nothing sent, client bytes split only by a mark are
// one turn) however many pages they take; an edited turn is sent by that number, and one
// edited back to the recording is no edit; options reach the engine; a replay is cancelled
// through its signal and a failure is the engine's one line (no earlier result left beside it,
// and gone once the target it was about changes); over TLS, the CA file and not verifying go
// as the replay's `tls`, kept with the connection, and a TLS failure goes once they change;
// and a replay's connection leads back to its source.
import { createPinia, setActivePinia } from 'pinia'
import { ref } from 'vue'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CaptureInfo, ConnectionSummary, Turn } from '../../../../../src/shared/capture-types'
import type { CommandArgs } from '../../../../../src/shared/contract'
import { EngineError } from '../../../../../src/shared/errors'
import type { RawReplayResult } from '../../../../../src/shared/replay-types'
import { useReplaySource } from '../../../../../src/renderer/src/features/replay/useReplaySource'
import { useConnectionsStore } from '../../../../../src/renderer/src/features/connections/connections-store'
import { useEngineStore } from '../../../../../src/renderer/src/platform/engine-store'
import { useRawReplayStore } from '../../../../../src/renderer/src/features/replay/raw/replay-raw-store'
import { useSelectionStore } from '../../../../../src/renderer/src/features/connections/selection-store'
import { fakeTransport } from '../../../fake-transport'
import { settle } from '../../http/http-fixtures'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const dec = (b: Uint8Array): string => new TextDecoder().decode(b)

/** A conversation: the client and server streams, and its turns as conn.turns gives them. */
function conversation(parts: Array<['client' | 'server', string] | ['fin' | 'reset', 'client' | 'server']>) {
  const streams = { client: '', server: '' }
  const turns: Turn[] = parts.map(([kind, x], event) => {
    if (kind === 'fin' || kind === 'reset') return { kind, dir: x as 'client' | 'server', event, time: event, at: event }
    const offset = streams[kind].length
    streams[kind] += x
    return { kind: 'data', dir: kind, event, time: event, at: event, offset, length: x.length, chunks: 1, duration: 0 }
  })
  return { streams, turns }
}

const conn = (id: number, over: Partial<ConnectionSummary> = {}): ConnectionSummary => ({
  id,
  kind: 'proxy',
  ownerId: 'p1',
  target: '127.0.0.1:6379',
  openedAt: 0,
  bytes: { client: 0, server: 0 },
  fin: { client: true, server: true },
  end: 'closed',
  ...over
})

function setUp(parts: Parameters<typeof conversation>[0], replayRaw?: (args: CommandArgs<'replay.raw'>, signal?: AbortSignal) => Promise<RawReplayResult>) {
  const { streams, turns } = conversation(parts)
  const t = fakeTransport({
    'conn.turns': ({ from = 0, limit = 100 }) => ({ from, total: turns.length, turns: turns.slice(from, from + limit) }),
    'conn.read': ({ dir, offset, length }) => enc(streams[dir].slice(offset, offset + length)),
    'replay.raw': (args, ctx) => replayRaw?.(args, ctx.signal) ?? Promise.reject(new EngineError('EINVAL', 'no replay here'))
  })
  useEngineStore().attach(t.transport)
  const replay = useRawReplayStore()
  replay.open('live', conn(7))
  return { t, replay, streams, turns }
}

const answered = (args: CommandArgs<'replay.raw'>): RawReplayResult => ({ target: args.target ?? '127.0.0.1:6379', strategy: args.strategy, connId: 9, turns: [], matched: 0, of: 0, end: 'closed' })

describe('the raw replay store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('numbers the turns as the engine replays them: a greeting sends nothing, marks do not split a turn', async () => {
    const { replay } = setUp([
      ['server', 'HELLO\r\n'],
      ['client', 'AB'],
      ['reset', 'server'],
      ['client', 'CD'],
      ['server', 'ok'],
      ['server', '!'],
      ['client', 'EF'],
      ['fin', 'client']
    ])
    await settle()
    expect(replay.turnsLoaded).toBe(true)
    expect(replay.turns.map((x) => [x.client.length, x.server.length])).toEqual([
      [0, 7],
      [4, 3],
      [2, 0]
    ])
    expect(replay.editRefusal(0)).toBe('nothingSent')
    replay.turns.forEach((_, i) => replay.ensurePreview(i))
    await settle()
    expect(replay.previews.has(0)).toBe(false)
    expect(dec(replay.previews.get(1) as Uint8Array)).toBe('ABCD')
  })

  it('folds a long connection page by page, showing each page as it comes', async () => {
    const parts = Array.from({ length: 2500 }, (_, i) => [i % 2 ? 'server' : 'client', `m${i}`] as ['client' | 'server', string])
    const { replay, t } = setUp(parts)
    await settle()
    expect(replay.turns.length).toBe(1250)
    expect(t.calls.filter((c) => c.cmd === 'conn.turns').map((c) => (c.args as CommandArgs<'conn.turns'>).from)).toEqual([0, 1000, 2000])
  })

  it('sends an edited turn by its number; bytes edited back to the recording are no edit; edits outlast a visit elsewhere', async () => {
    let sent: CommandArgs<'replay.raw'> | undefined
    const { replay } = setUp(
      [
        ['server', 'HI\r\n'],
        ['client', 'SET k v\r\n'],
        ['server', '+OK\r\n'],
        ['client', 'GET k\r\n'],
        ['server', 'v\r\n']
      ],
      async (args) => {
        sent = args
        return answered(args)
      }
    )
    await settle()
    await replay.edit(1)
    expect(dec(replay.draftOf(1)!)).toBe('SET k v\r\n')
    replay.setDraft(1, enc('SET k new\r\n'))
    expect(dec(replay.draftOf(1)!)).toBe('SET k new\r\n')
    replay.setDraft(1, enc('SET k v\r\n'))
    expect(replay.edits.size).toBe(0)
    replay.setDraft(1, enc('SET k new\r\n'))
    await replay.edit(2)
    replay.setDraft(2, enc('GET j\r\n'))
    replay.revert(2)

    replay.strategy = 'burst'
    replay.timeoutMs = 500
    replay.target = ' 127.0.0.1:6379 '
    await replay.replay()
    expect(sent).toEqual({ capture: 'live', connId: 7, strategy: 'burst', timeoutMs: 500, edits: [{ turn: 1, bytes: enc('SET k new\r\n') }] })
    expect(replay.result?.connId).toBe(9)

    replay.target = '127.0.0.1:7000'
    await replay.replay()
    expect(sent?.target).toBe('127.0.0.1:7000')

    // The same connection again (a tab switch) keeps the edits; another one starts afresh, and
    // coming back (from the replay's own connection, say) finds them and the result as they were.
    replay.open('live', conn(7))
    expect([...replay.edits.keys()]).toEqual([1])
    replay.open('live', conn(8))
    expect([replay.edits.size, replay.result, replay.editing, replay.target]).toEqual([0, undefined, undefined, ''])
    replay.open('live', conn(7))
    expect([[...replay.edits.keys()], replay.result?.connId, replay.target]).toEqual([[1], 9, '127.0.0.1:7000'])
    await settle()
    expect(replay.turns.length).toBe(3)
  })

  it('cancels a replay through its signal, and keeps a failure as the engine\'s one line', async () => {
    let fail = false
    const { replay } = setUp([['client', 'PING\r\n']], (_args, signal) => {
      if (fail) return Promise.reject(new EngineError('ECONNREFUSED', 'connection refused by 127.0.0.1:1: nothing is listening there; is the server running?'))
      return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new EngineError('ECANCELED', 'cancelled'))))
    })
    await settle()
    const run = replay.replay()
    expect(replay.running).toBe(true)
    replay.cancel()
    expect(replay.cancelling).toBe(true)
    await run
    expect([replay.running, replay.cancelled, replay.runError, replay.result]).toEqual([false, true, undefined, undefined])
    fail = true
    await replay.replay()
    expect([replay.cancelled, replay.runError]).toEqual([false, 'connection refused by 127.0.0.1:1: nothing is listening there; is the server running?'])
  })

  it('clears the last result as the next replay starts, so a refused replay shows only its error', async () => {
    let fail = false
    const { replay } = setUp([['client', 'PING\r\n']], (args) =>
      fail ? Promise.reject(new EngineError('ECONNREFUSED', 'connection refused by 127.0.0.1:34999: nothing is listening there; is the server running?')) : Promise.resolve(answered(args))
    )
    await settle()
    await replay.replay()
    expect(replay.result?.connId).toBe(9)
    fail = true
    replay.target = '127.0.0.1:34999'
    await replay.replay()
    expect(replay.runError).toMatch(/^connection refused by 127\.0\.0\.1:34999/)
    expect(replay.result).toBeUndefined()
  })

  it('drops an error about the target once the target changes, and keeps one about anything else', async () => {
    let error = new EngineError('EINVAL', 'target: bad address "nonsense": give HOST:PORT (e.g. 127.0.0.1:6379) or a socket path')
    const { replay } = setUp([['client', 'PING\r\n']], () => Promise.reject(error))
    await settle()
    replay.target = 'nonsense'
    await replay.replay()
    expect(replay.runError).toMatch(/^target: bad address "nonsense"/)
    replay.timeoutMs = 5000
    expect(replay.runError).toMatch(/^target: bad address "nonsense"/)
    replay.target = '127.0.0.1:34080'
    expect(replay.runError).toBeUndefined()

    error = new EngineError('EINVAL', 'edit of turn 3: no such turn')
    await replay.replay()
    replay.target = '127.0.0.1:34081'
    expect(replay.runError).toBe('edit of turn 3: no such turn')
  })

  it('over TLS, sends a CA file or not verifying as the replay\'s tls, kept with the connection; a TLS failure goes once they change', async () => {
    const untrusted = new EngineError('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'cannot verify 127.0.0.1:6380\'s certificate (signed by an unknown CA, CN x, not sent by the server): pass --upstream-ca FILE to trust it, or --insecure to skip verification')
    const sent: Array<CommandArgs<'replay.raw'>> = []
    const { replay } = setUp([['client', 'PING\r\n']], (args) => {
      sent.push(args)
      return sent.length === 1 ? Promise.reject(untrusted) : Promise.resolve(answered(args))
    })
    expect(replay.tlsTarget).toBeUndefined()
    const overTls = conn(8, { target: '127.0.0.1:6380', tls: { server: { side: 'server', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', caFile: '/tmp/srv.crt' } } })
    replay.open('live', overTls)
    await settle()
    expect(replay.tlsTarget).toEqual({ recordedCa: '/tmp/srv.crt' })
    await replay.replay()
    expect(sent[0].tls).toBeUndefined()
    expect(replay.runError).toBe(untrusted.message)
    replay.caFile = '/tmp/ca.pem'
    expect(replay.runError).toBeUndefined()
    await replay.replay()
    expect(sent[1].tls).toEqual({ ca: '/tmp/ca.pem' })
    replay.insecure = true
    await replay.replay()
    expect(sent[2].tls).toEqual({ verify: false })
    // Kept with the connection while another is shown.
    replay.open('live', conn(7))
    expect([replay.caFile, replay.insecure]).toEqual(['', false])
    replay.open('live', overTls)
    expect([replay.caFile, replay.insecure]).toEqual(['/tmp/ca.pem', true])
  })

  it('folds a live connection again as it grows, and reads the preview of a turn that grew again', async () => {
    const { replay, streams, turns } = setUp([['client', 'AB']])
    replay.open('live', conn(7, { end: 'open', bytes: { client: 2, server: 0 } }))
    await settle()
    replay.ensurePreview(0)
    await settle()
    expect(dec(replay.previews.get(0) as Uint8Array)).toBe('AB')
    streams.client += 'C'
    turns[0].length = 3
    streams.server += 'ok'
    turns.push({ kind: 'data', dir: 'server', event: 1, time: 1, at: 1, offset: 0, length: 2, chunks: 1, duration: 0 })
    replay.open('live', conn(7, { end: 'open', bytes: { client: 3, server: 2 } }))
    await settle()
    expect(replay.turns.map((x) => [x.client.length, x.server.length])).toEqual([[3, 2]])
    replay.ensurePreview(0)
    await settle()
    expect(dec(replay.previews.get(0) as Uint8Array)).toBe('ABC')
  })

  it('refuses to edit a turn larger than an edit may be', async () => {
    const { replay } = setUp([['client', 'x']])
    await settle()
    replay.turns[0].client.length = 9 * 1024 * 1024
    expect(replay.editRefusal(0)).toBe('tooLarge')
  })

  it('leads from a replay\'s connection to its source when the source\'s capture is open (by file, else by id)', async () => {
    const t = fakeTransport({ 'conn.get': ({ ids }) => ids.map((id) => conn(id)) })
    const engine = useEngineStore()
    engine.attach(t.transport)
    const live: CaptureInfo = { id: 'live', name: 'live.tcap', path: '/caps/live.tcap', size: 0, connections: 2, live: true }
    engine.captures = [live]
    const list = useConnectionsStore()
    list.capture = 'f9'
    await settle()
    const selection = useSelectionStore()

    const replayed = ref<ConnectionSummary | undefined>(conn(12, { replayOf: { capture: 'live', connId: 3 } }))
    const { source, canGo, go } = useReplaySource(replayed)
    expect([source.value?.connId, canGo.value]).toEqual([3, true])
    await go()
    expect([list.capture, selection.connId]).toEqual(['live', 3])

    replayed.value = conn(12, { replayOf: { capture: 'f1', file: '/elsewhere/old.tcap', connId: 4, exchange: 2 } })
    expect(canGo.value).toBe(false)
    engine.captures = [live, { ...live, id: 'f2', name: 'old.tcap', path: '/here/old.tcap', live: false }]
    expect(canGo.value).toBe(true)
    await go()
    expect([list.capture, selection.connId, selection.exchange]).toEqual(['f2', 4, 2])

    replayed.value = conn(12)
    expect([source.value, canGo.value]).toEqual([undefined, false])
  })
})
