// The windows of the file a decoding run goes through (capture-decoding.ts, runQueue), and
// the connections each still has to decode. A window is read once for all the connections
// whose records lie in it. A live run has one window; a file's run goes on into the next
// window with each connection as soon as that connection is done with the last one, rather
// than waiting for every connection at each window's end. The engine's thread then reads
// and feeds the connections done with a window while the decode workers still decode the
// others' (with a wait at each window's end, the engine's thread and the workers took turns
// and 100,000 keep-alive exchanges took about their two times added up).

import type { CaptureView } from '../capture/query/capture-queries'

/** A window of a run, as the decoding of its connections sees it. */
export interface RunWindow {
  /** The records before this file offset are the window's; undefined: none (each connection reads its own, to its end). */
  until: number | undefined
  /** Where it starts in the file. */
  readonly start: number
  /** Resolves once its bytes are read (or their read failed: records are then read from the file as asked for). */
  readonly ready: Promise<void>
  /** Bytes its connections took of it (payloads and record headers): whether windows are worth their reads. */
  used: number
  /**
   * The lowest id of a connection not begun that had nothing before `until`: connections
   * open in id order, each with a record, so none opened after it has either; they go on to
   * the next window unlooked at (a file's 100,000 connections were otherwise each looked at
   * once a window).
   */
  beyond: number
}

/** A window, and the connections queued for it. */
interface Window extends RunWindow {
  readonly queue: number[]
  next: number
  /** Connections queued or being decoded in it. */
  open: number
  /** Starts reading it (once). */
  begin: () => void
  /** Its bytes are read: no wait for `ready`. */
  read: boolean
}

/** Connections passed over in a row before other work gets in. */
const SKIPS_A_TURN = 1024

/** Makes the next window (the first, then each after the last), reading nothing yet. */
export type WindowMaker = () => { start: number; until: number | undefined; read: (w: RunWindow) => Promise<void> }

/**
 * The windows of one run, two read at most at a time (the oldest, which connections still
 * decode, and the next); a window is dropped (`drop`) once every connection is done with it.
 *
 * The connections the run began with and has not handed out yet wait in their own list, in
 * its order (a file's: the order they opened), rather than in a window's queue: they go to
 * the window that takes them now, the frontier, which moves on to the next window at the
 * first one told to be passed over. Each went through every window before its own once, one
 * at a time: a file of 100,000 connections in 17 windows was passed over 907,000 times. One
 * out of that order (begun already, or opened earlier) goes to a later window with the rest,
 * and reads what it has in the earlier one from the file: slower, not wrong.
 */
export class RunWindows {
  private readonly windows: Window[] = []
  /** Lanes waiting for a connection to be done. */
  private readonly waiting: (() => void)[] = []
  /** The connections not handed out yet from those the run began with, from `freshAt` on. */
  private freshAt = 0
  /** The window those go to (the oldest, at first). */
  private frontier: Window

  constructor(
    private readonly fresh: readonly number[],
    private readonly make: WindowMaker,
    /** Told of each window its connections are done with, oldest first. */
    private readonly drop: (w: RunWindow) => void,
    /** Whether a connection done with a window goes on in the next (a file), or waits for the next run (live). */
    private readonly onward: boolean,
    /** Told of each connection that leaves the run: done, or (`more`) waiting for the next run. */
    private readonly left: (connId: number, more: boolean) => void
  ) {
    this.frontier = this.add()
  }

  /** Jobs queued or being decoded, in all windows, and those not handed out yet. */
  get open(): number {
    let n = this.fresh.length - this.freshAt
    for (const w of this.windows) n += w.open
    return n
  }

  /**
   * The next connection to decode and its window, oldest window first; undefined when the
   * run is over. Connections `skip` says have nothing in their window go on to the next at
   * once, without a wait each (a file's 100,000 connections are passed over in each window
   * until their records come). Waits for a window's read, and, while every connection queued
   * is being decoded, for one to be done (it may go on in the next window).
   */
  async take(closed: () => boolean, skip: (connId: number, w: RunWindow) => boolean = () => false): Promise<{ connId: number; w: RunWindow } | undefined> {
    let skipped = 0
    while (!closed()) {
      const w = this.firstWithWork()
      if (w) {
        const queued = w.next < w.queue.length
        const connId = queued ? w.queue[w.next++] : this.fresh[this.freshAt]
        if (skip(connId, w)) {
          if (queued) this.done(w, connId, true)
          // The frontier's first passed over: those after it wait for the next window. A live
          // run has no next: each is told apart, as it may have records in the window.
          else if (this.onward) this.moveFrontier()
          else {
            this.freshAt++
            this.left(connId, true)
            // The last of them gone, the window may be done with (and lanes may wait for that).
            if (this.freshAt === this.fresh.length) this.moved()
          }
          // Other work gets in now and then while many are passed over.
          if (++skipped % SKIPS_A_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve))
          continue
        }
        if (!queued) {
          this.freshAt++
          w.open++
        }
        if (!w.read) await w.ready
        return { connId, w }
      }
      if (this.windows.length === 0) return undefined
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    }
    return undefined
  }

  /** The oldest window with connections not yet handed out (a loop, not find: no closure a call, one a connection). */
  private firstWithWork(): Window | undefined {
    const freshLeft = this.freshAt < this.fresh.length
    for (const k of this.windows) if (k.next < k.queue.length || (freshLeft && k === this.frontier)) return k
    return undefined
  }

  /** The connections not handed out go to the window after the frontier's. */
  private moveFrontier(): void {
    const i = this.windows.indexOf(this.frontier)
    this.frontier = this.windows[i + 1] ?? this.add()
    this.moved()
  }

  /**
   * A connection is done with `w`: with `more`, it has records past the window, and goes on
   * in the next (a file's run); else it leaves the run (`left`).
   */
  done(w: RunWindow, connId: number, more: boolean): void {
    const win = w as Window
    if (more && this.onward) {
      const i = this.windows.indexOf(win)
      const next = this.windows[i + 1] ?? this.add()
      next.queue.push(connId)
      next.open++
    } else {
      this.left(connId, more)
    }
    win.open--
    this.moved()
  }

  /**
   * Work moved between windows or left the run: drops the oldest windows every connection is
   * done with (the frontier's only once no connection waits to go to it), and wakes the lanes
   * that wait, as there may be work for them now, or none left at all.
   */
  private moved(): void {
    const freshLeft = this.freshAt < this.fresh.length
    while (this.windows.length > 0 && this.windows[0].open === 0 && !(freshLeft && this.windows[0] === this.frontier)) {
      this.drop(this.windows.shift() as Window)
      // The window after the oldest is read while the oldest is decoded.
      this.windows[1]?.begin()
    }
    for (const wake of this.waiting.splice(0)) wake()
  }

  private add(): Window {
    const made = this.make()
    let begin: () => void = () => undefined
    const ready = new Promise<void>((resolve) => {
      let begun = false
      begin = () => {
        if (begun) return
        begun = true
        const done = (): void => {
          w.read = true
          resolve()
        }
        made.read(w).then(done, done)
      }
    })
    const w: Window = { until: made.until, start: made.start, ready, used: 0, beyond: Infinity, queue: [], next: 0, open: 0, begin, read: false }
    this.windows.push(w)
    if (this.windows.length <= 2) w.begin()
    return w
  }
}

/** A window this small is read whatever the last one's connections used of it. */
export const SMALL_WINDOW = 256 * 1024
/**
 * A file's windows grow this large: 100,000 keep-alive exchanges decoded cold in 1.6-2.0 s
 * with 4 MiB windows, 1.4 s with 16 MiB, when each waited for its slowest connection; with
 * windows chained, 8, 16 and 32 MiB took as long.
 */
const FILE_WINDOW_MAX = 16 * 1024 * 1024

/**
 * Where a file's windows lie, one after another from its start: they start small and double
 * up to FILE_WINDOW_MAX, so a download whose body is skipped costs little of one (100
 * interleaved connections, each reading the spans its records lie in, read a 126 MiB capture
 * 44 times over). None, each connection reading what it wants, for a file of one connection
 * (its own reads are windows already), past the file's end, and once a window went mostly
 * unused.
 */
export class FileWindows {
  private end = 0
  private size = SMALL_WINDOW
  private windowless = false

  constructor(private readonly view: Pick<CaptureView, 'info' | 'keepWindow' | 'dropWindows'>) {}

  /** The next window, for RunWindows: read when it begins it. */
  next(): ReturnType<WindowMaker> {
    const info = this.view.info()
    const start = this.end
    if (this.windowless || info.connections <= 1 || start >= info.size) return { start, until: undefined, read: () => Promise.resolve() }
    const end = Math.min(info.size, start + this.size)
    this.end = end
    this.size = Math.min(FILE_WINDOW_MAX, this.size * 2)
    const read = async (w: RunWindow): Promise<void> => {
      // An earlier window went unused meanwhile: this one is not read either.
      if (this.windowless) w.until = undefined
      else await this.view.keepWindow(start, end)
    }
    return { start, until: end, read }
  }

  /** Every connection is done with `w`: it goes, and what they used of it tells whether windows are worth reading. */
  done(w: RunWindow): void {
    if (w.until === undefined) return
    this.view.dropWindows(w.until)
    if (w.until - w.start > SMALL_WINDOW && w.used * 4 < w.until - w.start) this.windowless = true
  }
}

/** The most of a live capture's new bytes read at once for a run (see RecentWindows). */
const RECENT_MAX = 4 * 1024 * 1024

/**
 * A live capture's runs' windows: each what was written since the last one ended, at most
 * RECENT_MAX bytes, read once for every connection the run decodes (CaptureQueries.keepRecent).
 * Windows are read only while decoders use them: when the last run used little of its window
 * (a download whose body is skipped), each connection reads just what it wants.
 */
export class RecentWindows {
  /** Where the last run's window ended. */
  private end = 0
  /** How much the next window may hold. */
  private size = SMALL_WINDOW
  /** The last window's size, and (`used`, counted by the run) how many of its bytes decoders took. */
  private last = 0
  used = 0

  constructor(private readonly view: Pick<CaptureView, 'info' | 'keepRecent'>) {}

  /** Live decoding follows the capture from `end` on. */
  startAt(end: number): void {
    this.end = end
  }

  /**
   * Reads the next run's window; returns where it ends: the run decodes records before it
   * only, so the next run's window is exactly what came after.
   */
  async next(): Promise<number> {
    const start = this.end
    const end = Math.min(this.view.info().size, start + this.size)
    this.end = end
    const useful = end - start <= SMALL_WINDOW || this.used * 4 >= this.last
    this.last = end - start
    this.used = 0
    // Windows start small and double while used, so a download whose body is skipped costs little of one.
    this.size = useful ? Math.min(RECENT_MAX, this.size * 2) : RECENT_MAX
    // A window whose read failed is none: its records are read as asked for.
    await this.view.keepRecent(useful ? start : 0, useful ? end : 0)
    return end
  }
}
