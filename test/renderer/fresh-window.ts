// The renderer's test files share their worker's module graph and, with it, one jsdom window
// (vitest.config.ts: isolate false). Each file starts from what a fresh window would give it:
// no storage (the settings store reads localStorage when it is made), an empty body (dialogs
// a file left mounted), no theme or language on the root element; and whatever a file left
// stubbed or faked (timers, globals, spies) is undone after its last test, and a component it
// left mounted is unmounted. Within a file, each test's pending timers end with it
// (test-timers.ts says why).
import { config } from '@vue/test-utils'
import { afterAll, afterEach, beforeAll, vi } from 'vitest'
import type { App, Plugin } from 'vue'
import { cancelPendingTimers, trackTimers } from './test-timers'

trackTimers()

/** Keeps the apps mount() made and that are not unmounted yet. */
interface MountTracker {
  apps: Set<App>
  install(app: App): void
}
const isTracker = (p: unknown): p is MountTracker => typeof p === 'object' && p !== null && 'apps' in p
// This file runs again before each test file, in the same module graph: the tracker put in
// test-utils' config by the first stays.
const plugins = config.global.plugins ?? []
const found = plugins.find(isTracker)
const tracker: MountTracker = found ?? {
  apps: new Set<App>(),
  install(app: App) {
    tracker.apps.add(app)
    app.onUnmount(() => tracker.apps.delete(app))
  }
}
if (!found) config.global.plugins = [...plugins, tracker satisfies Plugin]
const mounted = tracker.apps

beforeAll(() => {
  if (typeof document === 'undefined') return
  localStorage.clear()
  sessionStorage.clear()
  document.body.replaceChildren()
  for (const name of document.documentElement.getAttributeNames()) document.documentElement.removeAttribute(name)
})

// After the file's own afterEach: what it unmounts may still set a timer.
afterEach(() => {
  cancelPendingTimers()
})

afterAll(() => {
  // An app whose mount() failed has no container, and nothing to unmount.
  for (const app of [...mounted]) if (app._container) app.unmount()
  mounted.clear()
  vi.useRealTimers()
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})
