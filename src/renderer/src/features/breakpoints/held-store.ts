// The Held queue as the window uses it: which held message is open in the editor, its bytes
// and the person's edit, and what Forward, Drop, Close, Keep holding and Forward all send to
// the engine. The queue itself is the engine's (engine-store's `held`, kept current by batches).
// A message being edited is not forwarded unchanged under the person's hands: while they type,
// its hold starts again whenever little is left (held.keep); left alone, the editor warns.

import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { HeldMessage } from '../../../../shared/break-types'
import { useEngineStore } from '../../platform/engine-store'
import { useActionError } from '../../ui/useActionError'

/** Time left under which the open message's editor warns that it goes on unchanged, and typing keeps it held: at most this. */
const HOLD_WARNING_MS = 10_000
/** Typing keeps a message held at most once in this long: each keep tells every front end. */
const KEEP_EVERY_MS = 1000

/**
 * The time left under which a hold of `holdMs` warns, and typing keeps it held: its last
 * third when that is under ten seconds, so a short hold does not warn from its start, nor
 * does typing keep it on every keystroke (a keep leaves it its whole hold).
 */
export const warnWithin = (holdMs: number): number => Math.min(HOLD_WARNING_MS, holdMs / 3)

export const useHeldStore = defineStore('held', () => {
  const engine = useEngineStore()
  const selectedId = ref<number>()
  /** The open message's bytes as held, and as edited (the same until the person types). */
  const original = shallowRef<Uint8Array>()
  const draft = shallowRef<Uint8Array>()
  const fixLength = ref(true)
  const { error, run } = useActionError()

  const queue = computed(() => engine.held)
  const selected = computed<HeldMessage | undefined>(() => queue.value.find((m) => m.id === selectedId.value) ?? queue.value[0])

  // A new message to show: its bytes are read once; one that left the queue is let go.
  watch(
    () => selected.value?.id,
    async (id) => {
      original.value = undefined
      draft.value = undefined
      error.value = undefined
      fixLength.value = true
      if (id === undefined) return
      try {
        const bytes = await engine.call('held.read', { heldId: id })
        if (selected.value?.id !== id) return
        original.value = bytes
        draft.value = bytes
      } catch (err) {
        // A message forwarded (or timed out) while its bytes were read: its failure is not the next one's.
        if (selected.value?.id !== id) return
        error.value = err instanceof Error ? err.message : String(err)
      }
    },
    { immediate: true }
  )

  const edited = computed(() => {
    const a = original.value
    const b = draft.value
    return a !== undefined && b !== undefined && (a.length !== b.length || a.some((x, i) => x !== b[i]))
  })

  /**
   * What the last keep's reply said of a message: its deadline, and so how long its rule
   * holds it. The queue's copy follows later (held-updated), and until then is stale.
   */
  const kept = shallowRef<{ id: number; expiresAt?: number; holdMs: number }>()
  /**
   * The open message's deadline and how long its hold is, undefined when nothing will forward
   * it by itself. A hold not kept from here is taken as from when it was held to its deadline
   * (longer than the rule's, if another front end kept it: the warning then comes a bit early).
   */
  const deadline = computed<{ expiresAt: number; holdMs: number } | undefined>(() => {
    const m = selected.value
    if (m?.expiresAt === undefined || m.connClosed) return undefined
    const k = kept.value
    if (k?.id !== m.id) return { expiresAt: m.expiresAt, holdMs: m.expiresAt - m.heldAt }
    // The rule now holds it until someone decides.
    if (k.expiresAt === undefined) return undefined
    return { expiresAt: Math.max(k.expiresAt, m.expiresAt), holdMs: k.holdMs }
  })

  let keeping = false
  let keptAt = -Infinity
  /** held.keep for message `id`, its reply kept for `deadline`. */
  async function sendKeep(id: number): Promise<void> {
    keeping = true
    keptAt = Date.now()
    try {
      const reply = await engine.call('held.keep', { heldId: id })
      kept.value = { id, expiresAt: reply.expiresAt, holdMs: reply.expiresAt === undefined ? 0 : reply.expiresAt - Date.now() }
    } finally {
      keeping = false
    }
  }

  /** The open message held again for as long as its rule holds (its timeout starts again). */
  const keep = (): Promise<boolean> => (selected.value ? run(() => sendKeep(selected.value!.id)) : Promise.resolve(false))

  // Typing in an edit with little time left keeps the message held: the countdown does not
  // run out under the person's hands. One keep at a time, and not again within a second; a
  // keep that fails means the message left meanwhile, which the queue shows by itself.
  watch(draft, () => {
    const m = selected.value
    const d = deadline.value
    const now = Date.now()
    if (!edited.value || keeping || m === undefined || d === undefined || now - keptAt < KEEP_EVERY_MS || d.expiresAt - now > warnWithin(d.holdMs)) return
    sendKeep(m.id).catch(() => undefined)
  })

  /** Forwards the open message: the edit if there is one, else as it came. */
  function forward(): Promise<boolean> {
    const m = selected.value
    if (!m) return Promise.resolve(false)
    const bytes = edited.value ? draft.value : undefined
    return run(() => engine.call('held.forward', { heldId: m.id, ...(bytes ? { bytes, fixLength: fixLength.value } : {}) }))
  }
  const drop = (): Promise<boolean> => (selected.value ? run(() => engine.call('held.drop', { heldId: selected.value!.id })) : Promise.resolve(false))
  const close = (how: 'fin' | 'rst'): Promise<boolean> => (selected.value ? run(() => engine.call('held.close', { heldId: selected.value!.id, how })) : Promise.resolve(false))
  /** Everything held goes on unchanged, and the breakpoints that held it are turned off. */
  const forwardAll = (): Promise<boolean> => (queue.value.length ? run(() => engine.call('held.forwardAll', { disable: true })) : Promise.resolve(false))

  return { queue, selectedId, selected, original, draft, fixLength, error, edited, deadline, forward, drop, close, keep, forwardAll }
})
