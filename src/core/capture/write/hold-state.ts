// Whether the capture writer has asked its producers to pause (it is more than its high
// water mark behind), as one state that every producer obeys: proxies and sessions, those
// running when it changes and those started while it holds.

export class HoldState {
  private value = false
  private readonly watchers = new Set<(held: boolean) => void>()

  get held(): boolean {
    return this.value
  }

  set(held: boolean): void {
    if (held === this.value) return
    this.value = held
    for (const w of this.watchers) w(held)
  }

  /** Calls `watcher` on every change; returns the function that stops it. */
  watch(watcher: (held: boolean) => void): () => void {
    this.watchers.add(watcher)
    return () => this.watchers.delete(watcher)
  }
}
