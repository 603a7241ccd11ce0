// The exact bytes a payload makes, asked of the engine (payload.preview) a moment after
// typing stops, so the preview and what is sent can never differ; until the new bytes
// come, the last ones are shown as stale (`pending`: dimmed, aria-busy). Replies to older
// drafts are dropped.

import { onBeforeUnmount, ref, shallowRef, watch } from 'vue'
import type { PayloadSpec } from '../../../../../shared/payload/payload-spec'
import { useSessionsStore } from '../sessions-store'

export const PREVIEW_DELAY_MS = 150

export function usePayloadPreview(spec: () => PayloadSpec | undefined) {
  const sessions = useSessionsStore()
  const bytes = shallowRef<Uint8Array>()
  const error = ref<string>()
  const pending = ref(false)
  let timer: ReturnType<typeof setTimeout> | undefined
  let generation = 0

  async function run(gen: number, payload: PayloadSpec): Promise<void> {
    try {
      const b = await sessions.preview(payload)
      if (gen !== generation) return
      bytes.value = b
      error.value = undefined
    } catch (err) {
      if (gen !== generation) return
      bytes.value = undefined
      error.value = (err as Error).message
    } finally {
      if (gen === generation) pending.value = false
    }
  }

  watch(
    spec,
    (payload) => {
      clearTimeout(timer)
      const gen = ++generation
      if (!payload) {
        bytes.value = undefined
        error.value = undefined
        pending.value = false
        return
      }
      pending.value = true
      timer = setTimeout(() => void run(gen, payload), PREVIEW_DELAY_MS)
    },
    { immediate: true }
  )
  onBeforeUnmount(() => {
    clearTimeout(timer)
    generation++
  })

  return { bytes, error, pending }
}

/** The first `max` bytes as spaced hex pairs. */
export function spacedHex(b: Uint8Array, max: number): string {
  const parts: string[] = []
  for (let i = 0; i < Math.min(b.length, max); i++) parts.push(b[i].toString(16).padStart(2, '0'))
  return parts.join(' ')
}
