// What was delivered (http.delivered, msg.delivered), read when asked for: the HTTP tab's
// exchange shown "as delivered", the Messages tab's chosen message. One read per key; a
// read that comes back after the choice moved on is dropped.

import { shallowRef, watch, type Ref } from 'vue'

/** A view shows what was sent, or what was delivered. */
export const SHOWN_AS = ['sent', 'delivered'] as const
export type ShownAs = (typeof SHOWN_AS)[number]

export interface Delivered<T> {
  view: Ref<T | undefined>
  loading: Ref<boolean>
  error: Ref<string | undefined>
}

/** `key()`: what to read (undefined while nothing is wanted); `read()` reads it. */
export function useDelivered<T>(key: () => string | undefined, read: () => Promise<T>): Delivered<T> {
  const view = shallowRef<T>()
  const loading = shallowRef(false)
  const error = shallowRef<string>()
  let asked: string | undefined
  watch(
    key,
    (k) => {
      if (k === asked) return
      asked = k
      view.value = undefined
      error.value = undefined
      if (k === undefined) return void (loading.value = false)
      loading.value = true
      read().then(
        (got) => {
          if (asked !== k) return
          view.value = got
          loading.value = false
        },
        (err: unknown) => {
          if (asked !== k) return
          error.value = err instanceof Error ? err.message : String(err)
          loading.value = false
        }
      )
    },
    { immediate: true }
  )
  return { view, loading, error }
}
