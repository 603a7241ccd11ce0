// Raw TCP replay of one captured connection: its turns as the engine replays them (folded
// from conn.turns by the engine's own rule, shared/replay-turns.ts), a short preview of what
// each sent, the turns the user edited, the options of a replay, and what the last replay
// came back with. One connection at a time; the edits and result of the last few left are
// kept, so going to a replay's connection and back finds them as they were. Bytes are kept
// raw (markRaw / shallow refs): of the recording, only the turn in the editor is held whole.

import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowReactive, shallowRef, triggerRef, watch } from 'vue'
import type { ConnectionSummary } from '../../../../../shared/capture-types'
import { MAX_EDITED_REQUEST, MAX_EDITED_TURNS, REPLAY_STRATEGIES, type MessageReplayResult, type RawReplayResult, type ReplayStrategy } from '../../../../../shared/replay-types'
import { addTurn, MAX_REPLAY_TURNS, type PlannedTurn, type ReplayPlan } from '../../../../../shared/replay-turns'
import { MAX_CONNECT_TIMEOUT_MS } from '../../../../../shared/limits'
import { useEngineStore } from '../../../platform/engine-store'
import { sameBytes } from '../../bytes/same-bytes'
import { DEFAULT_REPLAY_TIMEOUT_MS, wholeIn } from '../replay-numbers'
import { unlessAboutTarget } from '../replay-target-error'
import { replayTlsArgs, replayTlsTarget, unlessAboutTls } from '../replay-tls'

/** conn.turns asked for at a time while the turns are folded. */
const TURN_PAGE = 1000
/** What a row's preview shows of a turn's first bytes. */
export const PREVIEW_BYTES = 64
/** Previews kept; the least recently read go first. */
const KEPT_PREVIEWS = 500

/** How the panel replays: one of the engine's turn strategies (replay.raw), or message by message (replay.messages). */
export type RawStrategy = ReplayStrategy | 'messages'
export const RAW_STRATEGIES: readonly RawStrategy[] = [...REPLAY_STRATEGIES, 'messages']

/** Why a turn cannot be edited, as a message key of `replayRaw`. */
export type EditRefusal = 'nothingSent' | 'tooLarge' | 'tooManyEdits'

/** Connections whose edits and last result are kept while others are shown. */
const KEPT_CONNECTIONS = 8

interface KeptReplay {
  edits: Map<number, Uint8Array>
  result?: RawReplayResult
  messageResult?: MessageReplayResult
  target: string
  caFile: string
  insecure: boolean
}

const keyOf = (capture: string, connId: number): string => `${capture}#${connId}`


export const useRawReplayStore = defineStore('replay-raw', () => {
  const engine = useEngineStore()

  const capture = ref<string>()
  const conn = shallowRef<ConnectionSummary>()
  /** The replay's turns so far (triggered as pages are folded in); index i is the engine's turn i. */
  const turns = shallowRef<PlannedTurn[]>([])
  const turnsLoaded = ref(false)
  const turnsError = ref<string>()
  /** The first PREVIEW_BYTES each turn sent, by turn (or a failed read's message). */
  const previews = shallowReactive(new Map<number, Uint8Array | { error: string }>())
  /** Turns to send differently: the bytes the user made of them. */
  const edits = shallowReactive(new Map<number, Uint8Array>())

  /** The turn in the editor, its recorded bytes (once read), and why it could not be read. */
  const editing = ref<number>()
  const original = shallowRef<Uint8Array>()
  const editError = ref<string>()

  /** Where to replay; empty: the connection's own target. */
  const target = ref('')
  /** Over TLS (a connection whose target spoke it): a CA file to trust (empty: the recorded one, if any), or no verifying at all. */
  const tlsTarget = computed(() => (conn.value === undefined ? undefined : replayTlsTarget(conn.value)))
  const caFile = ref('')
  const insecure = ref(false)
  const strategy = ref<RawStrategy>('turns')
  const timeoutMs = ref(DEFAULT_REPLAY_TIMEOUT_MS)

  const running = ref(false)
  /** When the replay under way started (Date.now()). */
  const startedAt = ref(0)
  const cancelling = ref(false)
  const result = shallowRef<RawReplayResult>()
  /** The last replay by message (its answers compared message by message). */
  const messageResult = shallowRef<MessageReplayResult>()
  /** The last replay failed (the engine's one line) or was cancelled. */
  const runError = ref<string>()
  const cancelled = ref(false)
  let abort: AbortController | undefined
  /** Moves with every fold of the turns (a newer one replaces an older one still under way). */
  let generation = 0
  /** Moves when another connection is shown: reads for the one before are dropped. */
  let shown = 0
  let lastShown = -1
  /** Connections left with edits or a result (going to a replay and back finds them as they were). */
  const kept = new Map<string, KeptReplay>()

  // Sync: the error goes with the keystroke that changed the target (or the TLS option that fixes it), not a tick later.
  watch(target, () => (runError.value = unlessAboutTarget(runError.value)), { flush: 'sync' })
  watch([caFile, insecure], () => (runError.value = unlessAboutTls(runError.value)), { flush: 'sync' })

  /** Shows connection `c` of capture `cap`; the same one again keeps its edits and result. */
  function open(cap: string, c: ConnectionSummary): void {
    const same = capture.value === cap && conn.value?.id === c.id
    const grew = same && (conn.value!.bytes.client !== c.bytes.client || conn.value!.bytes.server !== c.bytes.server || conn.value!.end !== c.end)
    if (same) {
      conn.value = c
      if (grew) void loadTurns(false)
      return
    }
    abort?.abort()
    keep()
    shown++
    lastShown = -1
    conn.value = c
    capture.value = cap
    const back = kept.get(keyOf(cap, c.id))
    kept.delete(keyOf(cap, c.id))
    target.value = back?.target ?? ''
    caFile.value = back?.caFile ?? ''
    insecure.value = back?.insecure ?? false
    turns.value = []
    edits.clear()
    for (const [turn, bytes] of back?.edits ?? []) edits.set(turn, bytes)
    previews.clear()
    closeEditor()
    result.value = back?.result
    messageResult.value = back?.messageResult
    runError.value = undefined
    cancelled.value = false
    void loadTurns(true)
  }

  /** Keeps the shown connection's edits, target and result, to be found again when it is opened again. */
  function keep(): void {
    const cap = capture.value
    const c = conn.value
    if (cap === undefined || !c || (edits.size === 0 && !result.value && !messageResult.value && !target.value && !caFile.value && !insecure.value)) return
    kept.set(keyOf(cap, c.id), { edits: new Map(edits), result: result.value, messageResult: messageResult.value, target: target.value, caFile: caFile.value, insecure: insecure.value })
    while (kept.size > KEPT_CONNECTIONS) kept.delete(kept.keys().next().value!)
  }

  /**
   * Folds the connection's turns a page at a time, each page shown as it comes (`progressive`),
   * or, for a live connection that grew, the whole list replaced once folded again.
   */
  async function loadTurns(progressive: boolean): Promise<void> {
    const gen = ++generation
    const cap = capture.value
    const c = conn.value
    if (cap === undefined || !c) return
    const plan: ReplayPlan = { turns: [], serverFin: false }
    if (progressive) turnsLoaded.value = false
    turnsError.value = undefined
    try {
      for (let from = 0; ; from += TURN_PAGE) {
        const page = await engine.call('conn.turns', { capture: cap, connId: c.id, from, limit: TURN_PAGE })
        if (gen !== generation) return
        for (const t of page.turns) addTurn(plan, t)
        const last = plan.turns.length > MAX_REPLAY_TURNS || page.turns.length === 0 || from + page.turns.length >= page.total
        if (progressive || last) publish(plan.turns)
        if (last) break
      }
      turnsLoaded.value = true
    } catch (err) {
      if (gen === generation) turnsError.value = (err as Error).message
    }
  }

  function publish(folded: PlannedTurn[]): void {
    // The turn shown last may have grown since (a page ended inside it, or the connection is live): its preview is read again.
    previews.delete(lastShown)
    lastShown = folded.length - 1
    if (turns.value !== folded) turns.value = markRaw(folded)
    else triggerRef(turns)
  }

  /** Reads the preview of turn `i`, unless it is here or on its way. */
  function ensurePreview(i: number): void {
    const turn = turns.value[i]
    const cap = capture.value
    const c = conn.value
    if (!turn || turn.client.length === 0 || previews.has(i) || cap === undefined || !c) return
    previews.set(i, new Uint8Array(0))
    const at = shown
    engine.call('conn.read', { capture: cap, connId: c.id, dir: 'client', offset: turn.client.offset, length: Math.min(turn.client.length, PREVIEW_BYTES) }).then(
      (b) => at === shown && keepPreview(i, markRaw(b)),
      (err: Error) => at === shown && keepPreview(i, { error: err.message })
    )
  }

  function keepPreview(i: number, p: Uint8Array | { error: string }): void {
    previews.delete(i)
    previews.set(i, p)
    while (previews.size > KEPT_PREVIEWS) previews.delete(previews.keys().next().value!)
  }

  /** Why turn `i` cannot be edited, if it cannot. */
  function editRefusal(i: number): EditRefusal | undefined {
    const turn = turns.value[i]
    if (!turn || turn.client.length === 0) return 'nothingSent'
    if (turn.client.length > MAX_EDITED_REQUEST) return 'tooLarge'
    if (!edits.has(i) && edits.size >= MAX_EDITED_TURNS) return 'tooManyEdits'
    return undefined
  }

  /** Opens turn `i` in the editor: its recorded bytes are read whole. */
  async function edit(i: number): Promise<void> {
    if (editRefusal(i) || editing.value === i) return
    const turn = turns.value[i]
    const cap = capture.value
    const c = conn.value!
    editing.value = i
    original.value = undefined
    editError.value = undefined
    const at = shown
    try {
      const bytes = await engine.call('conn.read', { capture: cap!, connId: c.id, dir: 'client', offset: turn.client.offset, length: turn.client.length })
      if (at === shown && editing.value === i) original.value = markRaw(bytes)
    } catch (err) {
      if (at === shown && editing.value === i) editError.value = (err as Error).message
    }
  }

  /** The bytes the editor shows for turn `i`: the edit, else the recording. */
  function draftOf(i: number): Uint8Array | undefined {
    return edits.get(i) ?? (editing.value === i ? original.value : undefined)
  }

  /** The editor changed turn `i`: back to the recorded bytes, it is no longer an edit. */
  function setDraft(i: number, bytes: Uint8Array): void {
    if (editing.value === i && original.value && sameBytes(bytes, original.value)) edits.delete(i)
    else edits.set(i, markRaw(bytes))
  }

  function revert(i: number): void {
    edits.delete(i)
  }

  function closeEditor(): void {
    editing.value = undefined
    original.value = undefined
    editError.value = undefined
  }

  /** Replays the connection with the options and edits as they are now. */
  async function replay(): Promise<void> {
    const cap = capture.value
    const c = conn.value
    if (running.value || cap === undefined || !c) return
    const controller = new AbortController()
    abort = controller
    running.value = true
    startedAt.value = Date.now()
    cancelling.value = false
    cancelled.value = false
    runError.value = undefined
    // The last result goes as the next replay starts: one that then fails must not look like it matched.
    result.value = undefined
    messageResult.value = undefined
    const to = target.value.trim()
    const common = {
      capture: cap,
      connId: c.id,
      ...(to && to !== c.target ? { target: to } : {}),
      timeoutMs: wholeIn(timeoutMs.value, 1, MAX_CONNECT_TIMEOUT_MS, DEFAULT_REPLAY_TIMEOUT_MS),
      ...(tlsTarget.value === undefined ? {} : replayTlsArgs({ caFile: caFile.value, insecure: insecure.value }))
    }
    const how = strategy.value
    try {
      if (how === 'messages') {
        // Cut as the Messages tab cuts the connection; turn edits are not messages and stay for the turn strategies.
        const r = await engine.call('replay.messages', common, { signal: controller.signal })
        if (abort === controller) messageResult.value = markRaw(r)
      } else {
        const edited = edits.size ? { edits: [...edits].sort(([a], [b]) => a - b).map(([turn, bytes]) => ({ turn, bytes })) } : {}
        const r = await engine.call('replay.raw', { ...common, strategy: how, ...edited }, { signal: controller.signal })
        if (abort === controller) result.value = markRaw(r)
      }
    } catch (err) {
      if (abort !== controller) return
      if ((err as { code?: string }).code === 'ECANCELED' || controller.signal.aborted) cancelled.value = true
      else runError.value = (err as Error).message
    } finally {
      if (abort === controller) {
        running.value = false
        cancelling.value = false
        abort = undefined
      }
    }
  }

  function cancel(): void {
    if (!abort || !running.value) return
    cancelling.value = true
    abort.abort()
  }

  return {
    capture,
    conn,
    turns,
    turnsLoaded,
    turnsError,
    previews,
    edits,
    editing,
    original,
    editError,
    target,
    tlsTarget,
    caFile,
    insecure,
    strategy,
    timeoutMs,
    running,
    startedAt,
    cancelling,
    result,
    messageResult,
    runError,
    cancelled,
    open,
    ensurePreview,
    editRefusal,
    edit,
    draftOf,
    setDraft,
    revert,
    closeEditor,
    replay,
    cancel
  }
})
