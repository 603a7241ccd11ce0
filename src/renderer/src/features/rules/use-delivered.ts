// The exchange shown, as its receivers got it (http.delivered), read when asked for: while
// the HTTP tab shows an exchange a rule acted on "as delivered". One read per exchange; a
// read that comes back after the choice moved on is dropped.

import { shallowRef, watch, type Ref } from 'vue'
import type { DeliveredView } from '../../../../shared/delivered-types'
import { useEngineStore } from '../../platform/engine-store'

export interface Delivered {
  view: Ref<DeliveredView | undefined>
  loading: Ref<boolean>
  error: Ref<string | undefined>
}

/** `exchange()`: the exchange to read, or undefined while none is wanted. */
export function useDelivered(capture: () => string, connId: () => number, exchange: () => number | undefined): Delivered {
  const engine = useEngineStore()
  const view = shallowRef<DeliveredView>()
  const loading = shallowRef(false)
  const error = shallowRef<string>()
  let asked = ''
  watch(
    () => [capture(), connId(), exchange()] as const,
    ([cap, id, index]) => {
      const key = index === undefined ? '' : `${cap}:${id}:${index}`
      if (key === asked) return
      asked = key
      view.value = undefined
      error.value = undefined
      if (index === undefined) return void (loading.value = false)
      loading.value = true
      engine.call('http.delivered', { capture: cap, connId: id, exchange: index }).then(
        (got) => {
          if (asked !== key) return
          view.value = got
          loading.value = false
        },
        (err: unknown) => {
          if (asked !== key) return
          error.value = err instanceof Error ? err.message : String(err)
          loading.value = false
        }
      )
    },
    { immediate: true }
  )
  return { view, loading, error }
}
