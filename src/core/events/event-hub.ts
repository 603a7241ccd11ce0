// Fans engine events out to front ends. Data is coalesced per connection and direction
// (one event per DATA_FLUSH_MS or DATA_FLUSH_BYTES), and a connection's pending data is
// always flushed before its next non-data event, so a FIN never overtakes its bytes.

import type { CaptureEvent, ConnectionSummary, Direction } from '../../shared/capture-types'
import { DATA_FLUSH_BYTES, DATA_FLUSH_MS, DATA_PREVIEW_BYTES, type EngineEvent } from '../../shared/events'

export type EventListener = (event: EngineEvent) => void

export interface SubscribeOptions {
  /**
   * Whether the listener wants per-connection events (open, data, FIN, close...). A
   * listener that only reports problems says false, and the engine then spends nothing
   * on per-connection events while it is the only one listening.
   */
  connections?: boolean
}

interface PendingData {
  connId: number
  dir: Direction
  offset: number
  length: number
  preview: Buffer
  previewLength: number
}

export class EventHub {
  private readonly listeners = new Set<EventListener>()
  /** Listeners that get per-connection events. */
  private readonly detailedListeners = new Set<EventListener>()
  private readonly pending = new Map<number, PendingData>()
  private timer: NodeJS.Timeout | undefined

  /** Whether anyone listens to per-connection events. */
  get detailed(): boolean {
    return this.detailedListeners.size > 0
  }

  /** Adds a listener; it first receives `snapshot()`, the state as it is now. */
  subscribe(listener: EventListener, snapshot: () => EngineEvent, opts: SubscribeOptions = {}): () => void {
    this.flushAll()
    listener(snapshot())
    this.listeners.add(listener)
    if (opts.connections !== false) this.detailedListeners.add(listener)
    return () => {
      this.listeners.delete(listener)
      this.detailedListeners.delete(listener)
    }
  }

  emit(event: EngineEvent): void {
    this.deliver(this.listeners, event)
  }

  private deliver(to: Set<EventListener>, event: EngineEvent): void {
    for (const l of to) {
      try {
        l(event)
      } catch {
        // A broken front end must not take the engine (or other front ends) down.
      }
    }
  }

  data(connId: number, dir: Direction, offset: number, chunk: Buffer): void {
    if (this.detailedListeners.size === 0) return
    const key = connId * 2 + (dir === 'client' ? 0 : 1)
    let p = this.pending.get(key)
    if (p === undefined) {
      p = { connId, dir, offset, length: 0, preview: Buffer.allocUnsafe(DATA_PREVIEW_BYTES), previewLength: 0 }
      this.pending.set(key, p)
    }
    if (p.previewLength < DATA_PREVIEW_BYTES) {
      p.previewLength += chunk.copy(p.preview, p.previewLength, 0, DATA_PREVIEW_BYTES - p.previewLength)
    }
    p.length += chunk.length
    if (p.length >= DATA_FLUSH_BYTES) this.flush(key, p)
    else this.timer ??= setTimeout(() => this.flushAll(), DATA_FLUSH_MS)
  }

  /** `conn` must be the listeners' own: it goes out as it is. */
  connEvent(conn: ConnectionSummary, event: CaptureEvent): void {
    if (this.detailedListeners.size === 0) return
    this.flushConn(conn.id)
    this.deliver(this.detailedListeners, event.kind === 'open' ? { type: 'conn-opened', conn } : { type: 'conn-event', event, conn })
  }

  private flush(key: number, p: PendingData): void {
    this.pending.delete(key)
    this.deliver(this.detailedListeners, {
      type: 'conn-data',
      connId: p.connId,
      dir: p.dir,
      offset: p.offset,
      length: p.length,
      preview: new Uint8Array(p.preview.buffer, p.preview.byteOffset, p.previewLength)
    })
  }

  private flushConn(connId: number): void {
    for (const key of [connId * 2, connId * 2 + 1]) {
      const p = this.pending.get(key)
      if (p) this.flush(key, p)
    }
  }

  flushAll(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    for (const [key, p] of this.pending) this.flush(key, p)
  }
}
