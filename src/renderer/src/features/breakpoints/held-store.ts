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

/** Time left under which the open message's editor warns that it goes on unchanged, and typing keeps it held. */
export const HOLD_WARNING_MS = 10_000

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

  /** The open message held again for as long as its rule holds (its timeout starts again). */
  const keep = (): Promise<boolean> => (selected.value ? run(() => engine.call('held.keep', { heldId: selected.value!.id })) : Promise.resolve(false))

  // Typing in an edit with little time left keeps the message held: the countdown does not
  // run out under the person's hands. One keep at a time; a keep that fails means the message
  // left meanwhile, which the queue shows by itself.
  let keeping = false
  watch(draft, () => {
    const m = selected.value
    if (!edited.value || keeping || m?.expiresAt === undefined || m.connClosed || m.expiresAt - Date.now() > HOLD_WARNING_MS) return
    keeping = true
    engine
      .call('held.keep', { heldId: m.id })
      .catch(() => undefined)
      .finally(() => (keeping = false))
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

  return { queue, selectedId, selected, original, draft, fixLength, error, edited, forward, drop, close, keep, forwardAll }
})
