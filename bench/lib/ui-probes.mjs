// Measurements taken inside the page (installed with page.addInitScript, so this function
// must stand alone): what the page painted and when, frame times, long tasks, the engine
// queries it sent. The bench drives the page with real input and reads these back.
export function installProbes() {
  const frame = () => new Promise((r) => requestAnimationFrame(() => r(performance.now())))
  /** The frame after `ready()` first holds: when the result has been painted. */
  async function until(ready, timeoutMs = 30000) {
    const t0 = performance.now()
    while (!ready()) {
      if (performance.now() - t0 > timeoutMs) throw new Error('timed out waiting for the page')
      await frame()
    }
    await frame()
    return performance.now()
  }
  // The list measured: the first grid unless told (the exchange list is the second kind).
  let gridSelector = '[role=grid]'
  let pageCommand = '"conn.page"'
  const grid = () => document.querySelector(gridSelector)
  const panelText = () => document.querySelector('[role=tabpanel]')?.innerText ?? ''

  // The last list query sent to the engine and when its reply came, seen at the WebSocket.
  let lastPageQuery = { at: NaN, id: -1, answeredAt: NaN, filter: '' }
  /** The filter's own first query (filterList): a list refreshed as decoding moves sends queries of the old filter meanwhile. */
  let filterQuery
  /** A query's filter, as the store sends it: none for an empty one. */
  const filterOf = (h) => {
    const m = /"filter":("(?:[^"\\]|\\.)*")/.exec(h)
    return m ? JSON.parse(m[1]) : ''
  }
  /** List queries sent and bytes received on the page's WebSockets, counted from the start. */
  const wire = { queries: 0, bytes: 0 }
  const peek = new TextDecoder()
  const head = (data) => {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined
    return bytes ? peek.decode(bytes.subarray(4, 600)) : String(data)
  }
  const send = WebSocket.prototype.send
  WebSocket.prototype.send = function (data) {
    const h = head(data)
    if (h.includes(pageCommand)) {
      wire.queries++
      lastPageQuery = { at: performance.now(), id: Number(/"id":(\d+)/.exec(h)?.[1]), answeredAt: NaN, filter: filterOf(h) }
      if (filterQuery && filterQuery.id === -1 && lastPageQuery.filter === filterQuery.filter) Object.assign(filterQuery, { at: lastPageQuery.at, id: lastPageQuery.id })
    }
    return send.call(this, data)
  }
  const Native = window.WebSocket
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args)
      this.addEventListener('message', (e) => {
        wire.bytes += e.data.byteLength ?? e.data.length ?? 0
        const h = head(e.data)
        if (h.startsWith('{"t":"reply"')) {
          const id = Number(/"id":(\d+)/.exec(h)?.[1])
          if (id === lastPageQuery.id) lastPageQuery.answeredAt = performance.now()
          if (filterQuery && id === filterQuery.id && Number.isNaN(filterQuery.answeredAt)) filterQuery.answeredAt = performance.now()
        }
      })
    }
  }

  let longTasks = []
  let taskObserver
  const observeLongTasks = () => {
    longTasks = []
    taskObserver?.disconnect()
    taskObserver = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration)))
    taskObserver.observe({ type: 'longtask' })
  }
  const takeLongTasks = () => {
    taskObserver?.disconnect()
    return { count: longTasks.length, longest: longTasks.length ? Math.max(...longTasks) : 0 }
  }

  // Every long task since the page began, with when it started: the part's longest task,
  // whatever phase it fell in (startup, the first paint, the scroll, a filter).
  const allLongTasks = []
  new PerformanceObserver((list) => allLongTasks.push(...list.getEntries().map((e) => ({ at: e.startTime, ms: e.duration })))).observe({ type: 'longtask', buffered: true })
  const marks = []

  let armed
  const newRows = {}
  window.__probes = {
    /** Names the phase starting now, for longestTask(). */
    mark(name) {
      marks.push({ at: performance.now(), name })
    },
    /** The longest task since the page began, and the phase (mark) it started in. */
    longestTask() {
      const t = allLongTasks.reduce((a, b) => (b.ms > a.ms ? b : a), { at: 0, ms: 0 })
      const phase = marks.filter((m) => m.at <= t.at).pop()?.name ?? 'page load'
      return { ms: t.ms, phase, count: allLongTasks.length }
    },
    /** Measures the grid named `label`, whose pages come from `command`. */
    useList(label, command) {
      gridSelector = `[role=grid][aria-label="${label}"]`
      pageCommand = `"${command}"`
    },
    /** From the page's navigation (its time origin) to the frame after a row whose first cell is `firstId` shows. */
    async rowsSinceLoad(firstId) {
      return until(() => [...(grid()?.querySelectorAll('[role=row]') ?? [])].some((r) => r.querySelector('[role=gridcell]')?.textContent.trim() === firstId), 60000)
    },
    async timeToRows(action, firstId) {
      const t0 = performance.now()
      action()
      const t1 = await until(() => [...(grid()?.querySelectorAll('[role=row]') ?? [])].some((r) => r.querySelector('[role=gridcell]')?.textContent.trim() === firstId))
      return t1 - t0
    },
    /** Arms a watch: from the next key pressed to the frame after the panel's text matches. */
    armText(source) {
      const re = new RegExp(source, 'm')
      armed = new Promise((resolve) => {
        window.addEventListener('keydown', () => {
          const t0 = performance.now()
          until(() => re.test(panelText())).then((t1) => resolve(t1 - t0), () => resolve(NaN))
        }, { capture: true, once: true })
      })
    },
    armed: () => armed,
    async timeToText(action, source) {
      const re = new RegExp(source, 'm')
      const t0 = performance.now()
      action()
      return (await until(() => re.test(panelText()))) - t0
    },
    async scrollGrid(frames) {
      const g = grid()
      const scroller = [g, ...g.querySelectorAll('*')].find((e) => e.scrollHeight > e.clientHeight + 10 && /auto|scroll/.test(getComputedStyle(e).overflowY))
      observeLongTasks()
      const wireBefore = { ...wire }
      // Two clocks per frame. The frame's own time (requestAnimationFrame's argument, when the
      // frame began): a frame whose work ran late or long delays the next, so a missed one shows
      // as an interval of two refreshes. And when this callback ran inside its frame
      // (performance.now()), which moves with whatever ran before it in the frame: an interval of
      // 19 ms there followed by one of 14 is one frame's work ending later than the one before,
      // not a frame missed (what this bench reported as frame time up to issue 18's third round).
      const stamps = []
      const times = []
      const frameBoth = () => new Promise((r) => requestAnimationFrame((ts) => r([ts, performance.now()])))
      // Read once: reading it in every frame would force a layout of its own there.
      const range = scroller.scrollHeight - scroller.clientHeight
      let [lastStamp, last] = await frameBoth()
      for (let i = 1; i <= frames; i++) {
        scroller.scrollTop = (i / frames) * range
        const [stamp, t] = await frameBoth()
        stamps.push(stamp - lastStamp)
        times.push(t - last)
        lastStamp = stamp
        last = t
      }
      // Let the last pages arrive, then count rows still waiting for theirs.
      for (let i = 0; i < 30; i++) await frame()
      const blank = [...g.querySelectorAll('[role=row]')].filter((r) => r.getAttribute('aria-busy') === 'true' || r.querySelector('[role=gridcell]')?.textContent.trim() === '').length
      const sorted = [...stamps].sort((a, b) => a - b)
      const callbacks = [...times].sort((a, b) => a - b)
      const at = (xs, q) => xs[Math.floor(xs.length * q)]
      const refresh = at(sorted, 0.5)
      const tasks = takeLongTasks()
      return {
        frames,
        p50: refresh,
        p95: at(sorted, 0.95),
        max: sorted[sorted.length - 1],
        // Frames that began more than half a refresh late: each is at least one frame the screen did not get.
        missed: sorted.filter((d) => d > refresh * 1.5).length,
        callbackP95: at(callbacks, 0.95),
        callbackMax: callbacks[callbacks.length - 1],
        longTasks: tasks.count,
        longestTask: tasks.longest,
        blankAtEnd: blank,
        queries: wire.queries - wireBefore.queries,
        bytes: wire.bytes - wireBefore.bytes
      }
    },
    async filterList(text, inputLabel) {
      const input = document.querySelector(inputLabel ? `input[aria-label="${inputLabel}"]` : 'input[type=search]')
      const g = grid()
      const q = (filterQuery = { filter: text.trim() ? text : '', at: NaN, id: -1, answeredAt: NaN })
      const t0 = performance.now()
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, text)
      input.dispatchEvent(new Event('input', { bubbles: true }))
      // Painted: the frame after the answer to the first query of this filter (not to a refresh of the list as it was).
      const t1 = await until(() => q.answeredAt >= q.at)
      filterQuery = undefined
      return { typedToPaint: t1 - t0, queryToPaint: t1 - q.at, queryToAnswer: q.answeredAt - q.at, rows: Number(g.getAttribute('aria-rowcount')) - 1 }
    },
    /** Notes when each client port first shows in the list (wall clock, to match the driver's). */
    watchNewRows() {
      const seen = (root) => {
        for (const cell of root.querySelectorAll('[role=gridcell]')) {
          const m = /^127\.0\.0\.1:(\d+)$/.exec(cell.textContent.trim())
          if (m && newRows[m[1]] === undefined) newRows[m[1]] = Date.now()
        }
      }
      new MutationObserver(() => seen(grid())).observe(grid(), { subtree: true, childList: true, characterData: true })
    },
    takeNewRows: () => newRows,
    startLongTasks: observeLongTasks,
    stopLongTasks: takeLongTasks
  }
}
