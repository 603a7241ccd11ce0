// Timers a renderer test leaves pending are cancelled when it ends (test/renderer/fresh-window.ts).
// The renderer's files share one worker, and a store or component a test made keeps running
// after it: the settings store writes the layout 500 ms after a change, the recorded servers'
// list polls while the engine is connected. When such a timer fires in a later test, it calls
// an action of the old store, and pinia makes the old store's pinia the active one: that
// test's next `useXStore()` then gets a store it never set up (seen as a tab "not
// remembered" in app.test.ts, in the middle of another file's test).

/** Each pending timer's handle, and how to cancel it. */
type Pending = Map<unknown, () => void>

const KEY = Symbol.for('tcpscope.test-timers')
const host = globalThis as typeof globalThis & { [KEY]?: Pending }

/** Wraps the timer functions once per worker (this module may be evaluated again for each file). */
function install(): Pending {
  const pending: Pending = new Map()
  const g = globalThis

  type Start = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => unknown
  type Stop = (handle?: unknown) => void
  /** `start` and `stop` kept track of: a handle is pending from its start to its stop, or, `once`, to its call. */
  const tracked = (start: Start, stop: Stop, once: boolean): [Start, Stop] => [
    Object.assign((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const handle = start(
        once
          ? (...a: unknown[]) => {
              pending.delete(handle)
              fn(...a)
            }
          : fn,
        ms,
        ...args
      )
      pending.set(handle, () => stop(handle))
      return handle
    }, start),
    (handle?: unknown) => {
      pending.delete(handle)
      stop(handle)
    }
  ]
  const [setTimeoutTracked, clearTimeoutTracked] = tracked(g.setTimeout as Start, g.clearTimeout as Stop, true)
  g.setTimeout = setTimeoutTracked as typeof setTimeout
  g.clearTimeout = clearTimeoutTracked as typeof clearTimeout
  const [setIntervalTracked, clearIntervalTracked] = tracked(g.setInterval as Start, g.clearInterval as Stop, false)
  g.setInterval = setIntervalTracked as typeof setInterval
  g.clearInterval = clearIntervalTracked as typeof clearInterval

  // jsdom's frames (a node environment has none).
  const realFrame = g.requestAnimationFrame as typeof requestAnimationFrame | undefined
  const realCancelFrame = g.cancelAnimationFrame as typeof cancelAnimationFrame | undefined
  if (realFrame && realCancelFrame) {
    // Frame ids are numbers, as timer handles may be too: keyed apart.
    const frameKey = (id: number) => `frame ${id}`
    g.requestAnimationFrame = (fn) => {
      const id = realFrame((t) => {
        pending.delete(frameKey(id))
        fn(t)
      })
      pending.set(frameKey(id), () => realCancelFrame(id))
      return id
    }
    g.cancelAnimationFrame = (id) => {
      pending.delete(frameKey(id))
      realCancelFrame(id)
    }
  }
  return pending
}

/** Starts keeping the timers set from now on, if it does not already. */
export function trackTimers(): void {
  host[KEY] ??= install()
}

/** Cancels every timer, interval and frame set and still pending. */
export function cancelPendingTimers(): void {
  const pending = host[KEY]
  if (!pending) return
  const cancels = [...pending.values()]
  pending.clear()
  cancels.forEach((cancel) => cancel())
}
