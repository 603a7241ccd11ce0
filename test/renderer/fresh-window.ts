// The renderer's test files share their worker's module graph and, with it, one jsdom window
// (vitest.config.ts: isolate false). Each file starts from what a fresh window would give it:
// no storage (the settings store reads localStorage when it is made), an empty body (dialogs
// a file left mounted), no theme or language on the root element; and whatever a file left
// stubbed or faked (timers, globals, spies) is undone after its last test.
import { afterAll, beforeAll, vi } from 'vitest'

beforeAll(() => {
  if (typeof document === 'undefined') return
  localStorage.clear()
  sessionStorage.clear()
  document.body.replaceChildren()
  for (const name of document.documentElement.getAttributeNames()) document.documentElement.removeAttribute(name)
})

afterAll(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})
