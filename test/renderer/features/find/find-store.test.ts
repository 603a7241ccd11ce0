// @vitest-environment jsdom
// Find in the stream, over the fake transport: what it asks the engine (the pattern in the
// text view's encoding, from where), how a match becomes the shared selection, starting
// again from the other end once, hex checked before asking, and a search cancelled.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import type { CommandArgs } from '../../../../src/shared/contract'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useFindStore } from '../../../../src/renderer/src/features/find/find-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { useSettingsStore } from '../../../../src/renderer/src/features/settings/settings-store'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

const conn: ConnectionSummary = {
  id: 5,
  kind: 'proxy',
  ownerId: 'p1',
  target: '127.0.0.1:1',
  openedAt: 0,
  bytes: { client: 1000, server: 10 },
  fin: { client: true, server: true },
  end: 'closed'
}

type Search = CommandArgs<'conn.search'>

async function setUp(answer: (args: Search) => { found: false } | { found: true; offset: number; length: number } | Promise<never>) {
  const searches: Search[] = []
  const t = fakeTransport({
    'conn.get': () => [conn],
    'conn.search': (args) => {
      searches.push(args)
      return answer(args)
    }
  })
  useEngineStore().attach(t.transport)
  const selection = useSelectionStore()
  selection.select(5)
  await flushPromises()
  const find = useFindStore()
  find.show()
  return { find, selection, searches }
}

describe('find', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })

  it('searches text in the connection\'s encoding from after the selection, and selects the match', async () => {
    const { find, selection, searches } = await setUp(() => ({ found: true, offset: 700, length: 4 }))
    useSettingsStore().setEncoding('live#5', 'gbk')
    selection.range = { dir: 'client', offset: 100, length: 2 }
    find.query = '你好'
    await find.next()
    expect(searches).toEqual([{ capture: 'live', connId: 5, dir: 'client', pattern: { kind: 'text', value: '你好', encoding: 'gbk' }, backward: false, from: 101 }])
    expect(find.state).toEqual({ kind: 'found', offset: 700, length: 4, wrapped: false })
    expect(selection.range).toEqual({ dir: 'client', offset: 700, length: 4 })
  })

  it('goes backward from the selection\'s end, and starts again from the other end once', async () => {
    const { find, selection, searches } = await setUp((a) => (a.from === 1000 ? { found: true, offset: 900, length: 2 } : { found: false }))
    selection.range = { dir: 'client', offset: 100, length: 2 }
    find.mode = 'hex'
    find.query = '0d 0a'
    await find.next(true)
    expect(searches.map((s) => [s.from, s.backward, s.pattern])).toEqual([
      [101, true, { kind: 'hex', value: '0d 0a' }],
      [1000, true, { kind: 'hex', value: '0d 0a' }]
    ])
    expect(find.state).toEqual({ kind: 'found', offset: 900, length: 2, wrapped: true })
  })

  it('says a pattern is not found, after looking from the start too', async () => {
    const { find, selection, searches } = await setUp(() => ({ found: false }))
    selection.range = { dir: 'client', offset: 10, length: 1 }
    find.mode = 'regex'
    find.query = 'a+b'
    await find.next()
    expect(searches.map((s) => [s.from, s.pattern.encoding])).toEqual([
      [11, 'utf8'],
      [0, 'utf8']
    ])
    expect(find.state).toEqual({ kind: 'not-found', dir: 'client' })
  })

  it('does not ask the engine for a pattern that is not hex', async () => {
    const { find, searches } = await setUp(() => ({ found: false }))
    find.mode = 'hex'
    find.query = '0d 0'
    expect(find.hexError).toMatch(/odd number of hex digits/)
    await find.next()
    expect(searches).toEqual([])
  })

  it('cancels a search that takes long', async () => {
    const { find } = await setUp(() => new Promise<never>(() => {}))
    find.query = 'x'
    const running = find.next()
    expect(find.state).toEqual({ kind: 'searching', dir: 'client' })
    find.cancel()
    expect(find.state).toEqual({ kind: 'cancelled' })
    void running
  })
})

describe('find: which match of how many', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })

  it('says "k of N" from one count per pattern, and forgets the message when another connection is selected', async () => {
    const counts: unknown[] = []
    const offsets = [10, 700, 900]
    const t = fakeTransport({
      'conn.get': ({ ids }) => ids.map((id) => ({ ...conn, id })),
      'conn.search': ({ from = 0 }) => {
        const at = offsets.find((o) => o >= from)
        return at === undefined ? { found: false } : { found: true, offset: at, length: 4 }
      },
      'conn.matches': (args) => {
        counts.push(args)
        return { offsets, complete: true, total: 1000 }
      }
    })
    useEngineStore().attach(t.transport)
    const selection = useSelectionStore()
    selection.select(5)
    await flushPromises()
    const find = useFindStore()
    find.show()
    find.query = 'PING'
    selection.range = { dir: 'client', offset: 100, length: 2 }
    await find.next()
    await flushPromises()
    expect(find.state).toEqual({ kind: 'found', offset: 700, length: 4, wrapped: false, index: 2, count: 3, complete: true })
    await find.next()
    await flushPromises()
    expect(find.state).toMatchObject({ offset: 900, index: 3, count: 3 })
    expect(counts).toEqual([{ capture: 'live', connId: 5, dir: 'client', pattern: { kind: 'text', value: 'PING', encoding: 'utf8' } }])

    // The same connection's summary fetched again (a live one grew): the message stays.
    await selection.refreshConn()
    await flushPromises()
    expect(find.state).toMatchObject({ offset: 900, index: 3, count: 3 })

    selection.select(6)
    await flushPromises()
    expect(find.state).toEqual({ kind: 'idle' })
  })

  it('searches the connection just clicked while its summary is still on its way, and keeps the answer when it lands', async () => {
    let summaryIn!: () => void
    const t = fakeTransport({
      'conn.get': ({ ids }) => new Promise((resolve) => (summaryIn = () => resolve(ids.map((id) => ({ ...conn, id }))))),
      'conn.search': () => ({ found: true, offset: 10, length: 4 }),
      'conn.matches': () => ({ offsets: [10], complete: true, total: 1000 })
    })
    useEngineStore().attach(t.transport)
    const selection = useSelectionStore()
    const find = useFindStore()
    find.show()
    find.query = 'PING'
    selection.select(7)
    const searched = find.next()
    await flushPromises()
    expect(find.state).toEqual({ kind: 'searching', dir: 'client' })
    expect(t.calls.map((c) => c.cmd)).toEqual(['conn.get'])
    summaryIn()
    await searched
    await flushPromises()
    expect(t.calls.find((c) => c.cmd === 'conn.search')?.args).toMatchObject({ connId: 7, from: 0 })
    expect(find.state).toEqual({ kind: 'found', offset: 10, length: 4, wrapped: false, index: 1, count: 1, complete: true })
  })

  it('says to select a connection when none is, without asking the engine', async () => {
    const t = fakeTransport({})
    useEngineStore().attach(t.transport)
    const find = useFindStore()
    find.show()
    find.query = 'PING'
    await find.next()
    expect(find.state).toEqual({ kind: 'no-connection' })
    expect(t.calls).toEqual([])
  })
})
