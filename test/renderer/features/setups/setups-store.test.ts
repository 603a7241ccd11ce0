// @vitest-environment jsdom
// The setups store: the offer of the last setup is asked once the engine is there and made
// only while nothing runs, until answered or something runs; Start restores it and says
// what started and what did not; the named setups are listed newest first, saved, imported,
// opened, duplicated and deleted through the engine's commands (their errors passed on as
// they are); exports arrive as JSON downloads; a confirmation goes by itself, a failure stays.
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ProxyInfo } from '../../../../src/shared/events'
import type { LastSetup, Setup, SetupEntry, SetupOutcome } from '../../../../src/shared/setup-types'
import { EngineError } from '../../../../src/shared/errors'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSetupsStore } from '../../../../src/renderer/src/features/setups/setups-store'
import { NOTE_MS } from '../../../../src/renderer/src/ui/fading-note'
import { fakeTransport, type Handlers } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

const proxy = (over: Partial<ProxyInfo> = {}): ProxyInfo => ({ id: 'p1', listen: '127.0.0.1:4000', target: '127.0.0.1:6379', state: 'listening', accepted: 0, active: 0, ...over })
const setup = (over: Partial<Setup> = {}): Setup => ({ kind: 'tcpscope-setup', version: 1, proxies: [{ start: { listen: '127.0.0.1:4000', target: '127.0.0.1:6379' } }], servers: [], clients: [], ...over })
const last = (s: Setup = setup()): LastSetup => ({ setup: s, savedAt: 1, proxies: s.proxies.length, servers: s.servers.length, clients: s.clients.length })
const entry = (name: string, savedAt: number): SetupEntry => ({ name, savedAt, proxies: 1, servers: 0, clients: 0 })
const outcome = (over: Partial<SetupOutcome> = {}): SetupOutcome => ({ proxies: ['p1'], servers: [], clients: [], failures: [], ...over })

beforeEach(() => {
  setActivePinia(createPinia())
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

function engine(handlers: Handlers, proxies: ProxyInfo[] = []) {
  const t = fakeTransport(handlers)
  const e = useEngineStore()
  e.attach(t.transport)
  t.emit({ type: 'snapshot', proxies, sessions: [], captures: [] })
  return { t, e }
}

describe('the offer of the last setup', () => {
  it('is made once the last setup is asked for (the bar asks once the engine is there), while nothing runs, with what it would start', async () => {
    const { t } = engine({ 'setup.last': () => last(setup({ servers: [{ listen: '127.0.0.1:9000' }] })) })
    const setups = useSetupsStore()
    await flushPromises()
    // The store alone asks nothing: the menu and the sidebar use it too.
    expect(t.calls.filter((c) => c.cmd === 'setup.last')).toHaveLength(0)
    await setups.checkLast()
    expect(t.calls.filter((c) => c.cmd === 'setup.last')).toHaveLength(1)
    expect(setups.offer).toEqual({ proxies: 1, servers: 1, clients: 0 })
  })

  it('is not made when something runs, nor when there was nothing, nor when the engine cannot say', async () => {
    engine({ 'setup.last': () => last() }, [proxy()])
    await useSetupsStore().checkLast()
    expect(useSetupsStore().offer).toBeUndefined()

    setActivePinia(createPinia())
    engine({ 'setup.last': () => last(setup({ proxies: [] })) })
    await useSetupsStore().checkLast()
    expect(useSetupsStore().offer).toBeUndefined()

    setActivePinia(createPinia())
    engine({ 'setup.last': () => Promise.reject(new EngineError('EIO', 'cannot read')) })
    await useSetupsStore().checkLast()
    expect(useSetupsStore().offer).toBeUndefined()
  })

  it('goes for this window once answered Not now, or once something runs, even when that stops again', async () => {
    engine({ 'setup.last': () => last() })
    const setups = useSetupsStore()
    await setups.checkLast()
    setups.dismissOffer()
    expect(setups.offer).toBeUndefined()

    setActivePinia(createPinia())
    const second = engine({ 'setup.last': () => last() })
    const again = useSetupsStore()
    await again.checkLast()
    expect(again.offer).toBeDefined()
    second.e.applyBatches([{ type: 'batch', proxies: [proxy()] }])
    await flushPromises()
    expect(again.offer).toBeUndefined()
    second.e.applyBatches([{ type: 'batch', proxies: [proxy({ state: 'stopped' })] }])
    await flushPromises()
    expect(again.offer).toBeUndefined()
  })

  it('Start restores it and says what started and what did not', async () => {
    const failures = [{ what: 'server 127.0.0.1:9000', part: { kind: 'server' as const, where: '127.0.0.1:9000' }, message: 'address in use' }]
    const { t } = engine({ 'setup.last': () => last(), 'setup.restore': () => outcome({ failures }) })
    const setups = useSetupsStore()
    await flushPromises()
    expect(await setups.restore()).toBe(true)
    expect(t.calls.filter((c) => c.cmd === 'setup.restore')).toHaveLength(1)
    expect(setups.offer).toBeUndefined()
    expect(setups.note).toEqual({ kind: 'started', from: 'last', outcome: outcome({ failures }) })
    // A failure stays.
    await vi.advanceTimersByTimeAsync(NOTE_MS * 2)
    expect(setups.note?.kind).toBe('started')
  })

  it("Start that the engine refuses shows the engine's words", async () => {
    engine({ 'setup.last': () => last(), 'setup.restore': () => Promise.reject(new EngineError('ENOENT', 'no setup from last time')) })
    const setups = useSetupsStore()
    await flushPromises()
    expect(await setups.restore()).toBe(false)
    expect(setups.note).toEqual({ kind: 'error', message: 'no setup from last time' })
  })
})

describe('named setups', () => {
  it('are listed newest first; save, duplicate and delete go to the engine and list again', async () => {
    let list = [entry('old', 1), entry('new', 3), entry('mid', 2)]
    const { t } = engine({
      'setup.last': () => null,
      'setup.list': () => list,
      'setup.save': ({ name }) => {
        const e = entry(name, 4)
        list = [...list, e]
        return e
      },
      'setup.duplicate': ({ as }) => {
        const e = entry(as, 5)
        list = [...list, e]
        return e
      },
      'setup.delete': ({ name }) => void (list = list.filter((e) => e.name !== name))
    })
    const setups = useSetupsStore()
    await setups.load()
    expect(setups.entries?.map((e) => e.name)).toEqual(['new', 'mid', 'old'])

    await setups.save('lab', false)
    expect(t.calls.find((c) => c.cmd === 'setup.save')?.args).toEqual({ name: 'lab', overwrite: false })
    expect(setups.note).toEqual({ kind: 'saved', entry: entry('lab', 4) })
    expect(setups.entries?.[0].name).toBe('lab')

    await setups.duplicate('lab', 'lab copy')
    expect(t.calls.find((c) => c.cmd === 'setup.duplicate')?.args).toEqual({ name: 'lab', as: 'lab copy' })
    expect(setups.entries?.[0].name).toBe('lab copy')

    await setups.remove('old')
    expect(setups.entries?.map((e) => e.name)).toEqual(['lab copy', 'lab', 'new', 'mid'])
    // The confirmation goes by itself.
    await vi.advanceTimersByTimeAsync(NOTE_MS)
    expect(setups.note).toBeUndefined()
  })

  it("pass the engine's refusal on as it is: a taken name, a file's wrong fields", async () => {
    const problems = '2 problems: proxies[0].start.listen: expected a string; colour: unknown field'
    engine({
      'setup.last': () => null,
      'setup.save': () => Promise.reject(new EngineError('EEXIST', 'a setup named "lab" exists already')),
      'setup.import': ({ setup: s }) => ((s as unknown as { colour?: string }).colour ? Promise.reject(new EngineError('EINVAL', problems)) : entry('x', 1))
    })
    const setups = useSetupsStore()
    await expect(setups.save('lab')).rejects.toMatchObject({ code: 'EEXIST' })
    await expect(setups.importSetup('x', { colour: 'red' })).rejects.toThrow(problems)
    expect(setups.note).toBeUndefined()
    await setups.importSetup('x', setup())
    expect(setups.note).toEqual({ kind: 'imported', entry: entry('x', 1) })
  })

  it('opens one beside what runs, and says what it started', async () => {
    const { t } = engine({ 'setup.last': () => null, 'setup.open': () => outcome({ servers: ['s1'] }) })
    const setups = useSetupsStore()
    await setups.open('lab')
    expect(t.calls.find((c) => c.cmd === 'setup.open')?.args).toEqual({ name: 'lab' })
    expect(setups.note).toEqual({ kind: 'started', from: 'named', name: 'lab', outcome: outcome({ servers: ['s1'] }) })
  })
})

describe('exports', () => {
  function downloads(): Array<{ name: string; blob: Blob }> {
    const got: Array<{ name: string; blob: Blob }> = []
    const blobs = new Map<string, Blob>()
    let n = 0
    URL.createObjectURL = (b: Blob) => {
      const url = `blob:${++n}`
      blobs.set(url, b)
      return url
    }
    URL.revokeObjectURL = () => undefined
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      got.push({ name: this.download, blob: blobs.get(this.href)! })
    })
    return got
  }

  it('download a named setup as <name>.tcpscope-setup.json, and what runs under its day', async () => {
    const got = downloads()
    const saved = setup()
    engine({ 'setup.last': () => null, 'setup.read': () => saved, 'setup.current': () => setup({ proxies: [], servers: [{ listen: '127.0.0.1:9000' }] }) })
    const setups = useSetupsStore()
    await setups.exportSetup('redis pair')
    expect(got[0].name).toBe('redis pair.tcpscope-setup.json')
    expect(JSON.parse(await got[0].blob.text())).toEqual(saved)
    expect(setups.note).toEqual({ kind: 'exported', file: 'redis pair.tcpscope-setup.json' })

    vi.setSystemTime(new Date('2026-11-23T10:00:00Z'))
    expect(await setups.exportCurrent()).toBe(true)
    expect(got[1].name).toBe('setup-2026-11-23.tcpscope-setup.json')
    expect(JSON.parse(await got[1].blob.text()).servers).toEqual([{ listen: '127.0.0.1:9000' }])
  })

  it('of what runs when nothing does is no download but a note', async () => {
    const got = downloads()
    engine({ 'setup.last': () => null, 'setup.current': () => setup({ proxies: [] }) })
    const setups = useSetupsStore()
    await setups.exportCurrent()
    expect(got).toEqual([])
    expect(setups.note).toEqual({ kind: 'nothing' })
  })
})
