// The composer's state: the payload being typed, its options and a history of what was
// sent (both kept in localStorage), and which interval sends this page started, since the
// engine does not report them.

import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { CHECKSUM_KINDS } from '../../../shared/payload/checksums'
import { LINE_ENDINGS, TEXT_ENCODINGS } from '../../../shared/payload/payload-spec'
import {
  composerDraft,
  historyEntry,
  remember,
  reuse,
  validHistory,
  type ComposerDraft,
  type ComposerOptions,
  type HistoryEntry
} from '../composer/composer-draft'

const KEY = 'tcpscope.composer'

interface Saved {
  options?: Partial<ComposerOptions>
  history?: unknown
}

function load(): Saved {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Saved
  } catch {
    return {}
  }
}

/** Options read from storage, each only if it is still a valid choice. */
function validOptions(o: Partial<ComposerOptions> | undefined): Partial<ComposerOptions> {
  const out: Partial<ComposerOptions> = {}
  if (o?.encoding && TEXT_ENCODINGS.includes(o.encoding)) out.encoding = o.encoding
  if (o?.eol && LINE_ENDINGS.includes(o.eol)) out.eol = o.eol
  if (o?.checksum && CHECKSUM_KINDS.includes(o.checksum)) out.checksum = o.checksum
  if (typeof o?.escapes === 'boolean') out.escapes = o.escapes
  return out
}

/** Where an interval send runs: one connection, or every client of a server (its behaviour). */
export type IntervalKey = `conn:${number}` | `server:${string}`

export const useComposerStore = defineStore('composer', () => {
  const saved = load()
  const draft = ref<ComposerDraft>(composerDraft(validOptions(saved.options)))
  const history = ref<HistoryEntry[]>(validHistory(saved.history))
  /** For a server's connection: send to it alone, or to every client of the server. */
  const target = ref<'one' | 'all'>('one')
  const everyMs = ref('1000')
  const count = ref('')
  const intervals = ref(new Set<IntervalKey>())

  function rememberSent(): void {
    const entry = historyEntry(draft.value)
    if (entry) history.value = remember(history.value, entry)
  }
  function use(entry: HistoryEntry): void {
    draft.value = reuse(draft.value, entry)
  }
  const ends = new Map<IntervalKey, ReturnType<typeof setTimeout>>()
  /**
   * Marks an interval send started or stopped. The engine does not say when a counted one
   * has sent its last, so it counts as stopped once that send is due.
   */
  function setInterval(key: IntervalKey, running: boolean, endsAfterMs?: number): void {
    clearTimeout(ends.get(key))
    ends.delete(key)
    const next = new Set(intervals.value)
    if (running) next.add(key)
    else next.delete(key)
    intervals.value = next
    if (running && endsAfterMs !== undefined) ends.set(key, setTimeout(() => setInterval(key, false), endsAfterMs))
  }

  watch(
    [() => [draft.value.encoding, draft.value.escapes, draft.value.eol, draft.value.checksum], history],
    () => {
      const { encoding, escapes, eol, checksum } = draft.value
      try {
        localStorage.setItem(KEY, JSON.stringify({ options: { encoding, escapes, eol, checksum }, history: history.value }))
      } catch {
        // Storage refused (a private window): the history lasts the session.
      }
    }
  )

  return { draft, history, target, everyMs, count, intervals, rememberSent, use, setInterval }
})
