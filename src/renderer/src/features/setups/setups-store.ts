// Setups as the UI drives them (setup.*): what runs saved under a name, the named setups
// listed, opened (started beside what runs), duplicated, deleted, exported as a JSON
// download and imported from one; and the offer to start the last setup again, made once
// when the engine connects and nothing runs. What an action did is one note (the bar above
// the list): a part that did not start is one line of it.

import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import { countSetup, type LastSetup, type Setup, type SetupCounts, type SetupEntry, type SetupOutcome } from '../../../../shared/setup-types'
import { useEngineStore } from '../../platform/engine-store'
import { fadingNote } from '../../ui/fading-note'
import { offerDownload } from '../files/download-capture'
import { currentFileName, exportFileName } from './setup-words'

export type SetupsDialog = 'save' | 'list' | 'import'

/** What the last action did, for the bar above the list. */
export type SetupsNote =
  | { kind: 'started'; from: 'last' | 'named'; name?: string; outcome: SetupOutcome }
  | { kind: 'saved'; entry: SetupEntry }
  | { kind: 'imported'; entry: SetupEntry }
  | { kind: 'exported'; file: string }
  /** Export of what runs, when nothing does. */
  | { kind: 'nothing' }
  | { kind: 'error'; message: string }

export const noteIsWarning = (n: SetupsNote): boolean => n.kind === 'error' || (n.kind === 'started' && n.outcome.failures.length > 0)

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))
export const outcomeCounts = (o: SetupOutcome): SetupCounts => ({ proxies: o.proxies.length, servers: o.servers.length, clients: o.clients.length })
const countsTotal = (c: SetupCounts): number => c.proxies + c.servers + c.clients

export const useSetupsStore = defineStore('setups', () => {
  const engine = useEngineStore()
  /** The named setups, newest save first; undefined until listed. */
  const entries = shallowRef<SetupEntry[]>()
  const listError = ref<string>()
  const dialog = ref<SetupsDialog>()
  const note = shallowRef<SetupsNote>()
  /** What ran last time, asked once the engine is there. */
  const last = shallowRef<LastSetup | null>()
  /** The offer was answered (Start or Not now), or something ran: not offered again in this window. */
  const offerDone = ref(false)
  const busy = ref(false)
  fadingNote(note, noteIsWarning)

  /** Something listens or is connected: a restore would start a second copy beside it. */
  const running = computed(
    () =>
      engine.proxyList.some((p) => p.state === 'listening') ||
      engine.sessionList.some((s) => (s.kind === 'server' ? s.state === 'listening' : s.state !== 'closed'))
  )
  watch(running, (r) => r && (offerDone.value = true))
  /** What the offer proposes to start, or undefined when there is nothing to offer. */
  const offer = computed<SetupCounts | undefined>(() => {
    const l = last.value
    if (!l || offerDone.value || running.value || !engine.connected) return undefined
    const counts = { proxies: l.proxies, servers: l.servers, clients: l.clients }
    return countsTotal(counts) > 0 ? counts : undefined
  })

  async function checkLast(): Promise<void> {
    try {
      last.value = await engine.call('setup.last')
    } catch {
      // A page that cannot read it simply makes no offer; the engine warned about a damaged file itself.
      last.value = null
    }
  }

  function dismissOffer(): void {
    offerDone.value = true
  }

  /** Runs an action, its failure as the note; true when it went through. */
  async function attempt(action: () => Promise<void>): Promise<boolean> {
    busy.value = true
    try {
      await action()
      return true
    } catch (err) {
      note.value = { kind: 'error', message: message(err) }
      return false
    } finally {
      busy.value = false
    }
  }

  async function restore(): Promise<boolean> {
    offerDone.value = true
    return attempt(async () => {
      note.value = { kind: 'started', from: 'last', outcome: await engine.call('setup.restore') }
    })
  }

  async function load(): Promise<void> {
    try {
      entries.value = [...(await engine.call('setup.list'))].sort((a, b) => b.savedAt - a.savedAt)
      listError.value = undefined
    } catch (err) {
      listError.value = message(err)
    }
  }

  /** Saves what runs under `name`; throws the engine's error (EEXIST: there is one; ask, then overwrite). */
  async function save(name: string, overwrite = false): Promise<SetupEntry> {
    const entry = await engine.call('setup.save', { name, overwrite })
    note.value = { kind: 'saved', entry }
    if (entries.value) await load()
    return entry
  }

  /** Imports a parsed JSON document; throws the engine's error, which names each wrong field. */
  async function importSetup(name: string, setup: unknown, overwrite = false): Promise<SetupEntry> {
    const entry = await engine.call('setup.import', { name, setup: setup as Setup, overwrite })
    note.value = { kind: 'imported', entry }
    if (entries.value) await load()
    return entry
  }

  /** Starts a named setup beside what runs; throws the engine's error when it cannot read it. */
  async function open(name: string): Promise<void> {
    busy.value = true
    try {
      note.value = { kind: 'started', from: 'named', name, outcome: await engine.call('setup.open', { name }) }
    } finally {
      busy.value = false
    }
  }

  /** Throws the engine's error (a taken name, a name it refuses). */
  async function duplicate(name: string, as: string): Promise<void> {
    await engine.call('setup.duplicate', { name, as })
    await load()
  }

  async function remove(name: string): Promise<void> {
    await engine.call('setup.delete', { name })
    await load()
  }

  function download(setup: Setup, file: string): void {
    offerDownload(new Blob([`${JSON.stringify(setup, null, 2)}\n`], { type: 'application/json' }), file)
    note.value = { kind: 'exported', file }
  }

  async function exportSetup(name: string): Promise<void> {
    download(await engine.call('setup.read', { name }), exportFileName(name))
  }

  async function exportCurrent(): Promise<boolean> {
    return attempt(async () => {
      const setup = await engine.call('setup.current')
      if (countsTotal(countSetup(setup)) === 0) note.value = { kind: 'nothing' }
      else download(setup, currentFileName())
    })
  }

  return {
    entries,
    listError,
    dialog,
    note,
    last,
    offer,
    running,
    busy,
    checkLast,
    dismissOffer,
    restore,
    load,
    save,
    importSetup,
    open,
    duplicate,
    remove,
    exportSetup,
    exportCurrent
  }
})
