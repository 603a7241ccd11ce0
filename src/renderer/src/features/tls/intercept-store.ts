// Interception as the UI drives it: the browsers this machine has (intercept.browsers, asked
// once per page and again on demand), starting one intercepted (intercept.browser: a fresh
// profile through a forward proxy, trusting the CA), stopping one, and the forward proxies a
// terminal can be pointed at. Which browsers run comes with the engine's events (a browser
// the person closes leaves the list by itself: platform/engine-store.ts).

import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { BrowserInfo, InterceptedBrowser } from '../../../../shared/intercept-types'
import type { BrowserName } from '../../../../shared/tls-args'
import { useEngineStore } from '../../platform/engine-store'

/** Product names: the same in every language. */
export const BROWSER_NAMES: Record<BrowserName, string> = { chromium: 'Chromium', chrome: 'Google Chrome', edge: 'Microsoft Edge', firefox: 'Firefox' }

/** What the last action did, for the line under the menu. */
export type InterceptNote =
  | { kind: 'started'; browser: InterceptedBrowser }
  | { kind: 'failed'; name: BrowserName; error: string }
  | { kind: 'stopped'; name: BrowserName }
  | { kind: 'stop-failed'; name: BrowserName; error: string }

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

export const useInterceptStore = defineStore('intercept', () => {
  const engine = useEngineStore()
  const browsers = shallowRef<BrowserInfo[]>()
  const browsersError = ref<string>()
  const starting = ref<BrowserName>()
  const note = shallowRef<InterceptNote>()
  const terminalShown = ref(false)

  /** Browsers started intercepted (from this page or another front end) that still run. */
  const started = computed(() => engine.browserList)
  /** Forward proxies listening now: where a terminal or a browser can be pointed. */
  const forwardProxies = computed(() => engine.proxyList.filter((p) => p.mode === 'forward' && p.state === 'listening'))

  async function loadBrowsers(): Promise<void> {
    try {
      browsers.value = await engine.call('intercept.browsers')
      browsersError.value = undefined
    } catch (err) {
      browsersError.value = message(err)
    }
  }

  async function start(name: BrowserName): Promise<boolean> {
    if (starting.value) return false
    starting.value = name
    note.value = undefined
    try {
      const proxyId = forwardProxies.value[0]?.id
      const browser = await engine.call('intercept.browser', { browser: name, ...(proxyId ? { proxyId } : {}) })
      // Shown at once; the engine's event says the same a frame later.
      engine.setBrowser(browser)
      note.value = { kind: 'started', browser }
      return true
    } catch (err) {
      note.value = { kind: 'failed', name, error: message(err) }
      return false
    } finally {
      starting.value = undefined
    }
  }

  async function stop(browserId: string): Promise<void> {
    const browser = started.value.find((b) => b.browserId === browserId)
    if (!browser) return
    try {
      await engine.call('intercept.stop', { browserId })
      engine.setBrowser({ ...browser, state: 'closed' })
      note.value = { kind: 'stopped', name: browser.name }
    } catch (err) {
      note.value = { kind: 'stop-failed', name: browser.name, error: message(err) }
    }
  }

  return { browsers, browsersError, started, starting, note, terminalShown, forwardProxies, loadBrowsers, start, stop }
})
