// What most component tests set up the same way: a fresh Pinia before each test, and every
// component a test mounted unmounted after it (fresh-window.ts only catches what a file left).
import { afterEach, beforeEach } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'

export interface PerTestMounts {
  /** The Pinia of the running test, already active. */
  pinia(): Pinia
  /** Unmounted after the test; returns `w`. */
  track<W extends VueWrapper>(w: W): W
}

export function perTestMounts(): PerTestMounts {
  let pinia: Pinia | undefined
  const mounted: VueWrapper[] = []
  beforeEach(() => {
    pinia = createPinia()
    setActivePinia(pinia)
  })
  afterEach(() => {
    for (const w of mounted.splice(0)) w.unmount()
  })
  return {
    pinia: () => pinia!,
    track: (w) => (mounted.push(w), w)
  }
}
