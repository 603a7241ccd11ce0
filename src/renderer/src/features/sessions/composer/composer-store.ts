// The composer's state: the payload being typed, its options, a history of what was sent
// and whether it is folded away (kept in localStorage). Which interval sends run is the
// engine's to say (in each session's info), not kept here.

import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { CHECKSUM_KINDS } from '../../../../../shared/payload/checksums'
import { LINE_ENDINGS, TEXT_ENCODINGS } from '../../../../../shared/payload/payload-spec'
import {
  composerDraft,
  historyEntry,
  remember,
  reuse,
  validHistory,
  type ComposerDraft,
  type ComposerOptions,
  type HistoryEntry
} from './composer-draft'

const KEY = 'tcpscope.composer'

interface Saved {
  options?: Partial<ComposerOptions>
  history?: unknown
  collapsed?: unknown
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

export const useComposerStore = defineStore('composer', () => {
  const saved = load()
  const draft = ref<ComposerDraft>(composerDraft(validOptions(saved.options)))
  const history = ref<HistoryEntry[]>(validHistory(saved.history))
  /** For a server's connection: send to it alone, or to every client of the server. */
  const target = ref<'one' | 'all'>('one')
  const everyMs = ref('1000')
  const count = ref('')
  /** Folded to one row, to give the byte views the room (kept across reloads). */
  const collapsed = ref(saved.collapsed === true)

  function rememberSent(): void {
    const entry = historyEntry(draft.value)
    if (entry) history.value = remember(history.value, entry)
  }
  function use(entry: HistoryEntry): void {
    draft.value = reuse(draft.value, entry)
  }
  watch(
    [() => [draft.value.encoding, draft.value.escapes, draft.value.eol, draft.value.checksum], history, collapsed],
    () => {
      const { encoding, escapes, eol, checksum } = draft.value
      try {
        localStorage.setItem(KEY, JSON.stringify({ options: { encoding, escapes, eol, checksum }, history: history.value, collapsed: collapsed.value }))
      } catch {
        // Storage refused (a private window): the history lasts the session.
      }
    }
  )

  return { draft, history, target, everyMs, count, collapsed, rememberSent, use }
})
