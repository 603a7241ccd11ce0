// An action a person started that may fail: its one-line error (the engine's own words)
// shown where they started it, cleared when they try again.

import { ref, type Ref } from 'vue'

export function useActionError(): { error: Ref<string | undefined>; run: (action: () => Promise<unknown>) => Promise<boolean> } {
  const error = ref<string>()
  /** True when the action went through; false when it failed (and `error` says why). */
  async function run(action: () => Promise<unknown>): Promise<boolean> {
    error.value = undefined
    try {
      await action()
      return true
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err)
      return false
    }
  }
  return { error, run }
}
