// The front end's side of the envelope (wire.ts), the same over IPC and WebSocket: calls
// with ids, their replies, cancellation through an AbortSignal, and engine events. Events
// that arrive before anyone listens are kept for the first listener (the snapshot is sent
// as soon as the transport is up, maybe before the page has subscribed).

import type { CommandName, CommandResult } from './contract'
import { EngineError } from './errors'
import type { FrontEvent } from './events'
import type { CallParams, FramePort, Transport } from './transport'
import { decodeFrame, encodeFrame, type ServerMessage } from './wire'

/** Events kept for a listener that has not come yet; beyond that, the oldest batches go. */
const MAX_EARLY_EVENTS = 256

export class EngineClient implements Transport {
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private readonly listeners = new Set<(e: FrontEvent) => void>()
  private readonly closeListeners = new Set<(reason: string) => void>()
  private early: FrontEvent[] = []
  private closed: string | undefined

  constructor(private readonly port: FramePort) {
    port.onFrame((frame) => this.receive(frame))
    port.onClose?.((reason) => this.close(reason))
  }

  call<K extends CommandName>(cmd: K, ...[args, opts = {}]: CallParams<K>): Promise<CommandResult<K>> {
    if (this.closed !== undefined) return Promise.reject(new EngineError('ESTATE', `not connected to the engine: ${this.closed}`))
    const id = this.nextId++
    const signal = opts.signal
    if (signal?.aborted) return Promise.reject(new EngineError('ECANCELED', 'cancelled'))
    return new Promise<CommandResult<K>>((resolve, reject) => {
      const onAbort = (): void => this.port.send(encodeFrame({ t: 'cancel', id }))
      signal?.addEventListener('abort', onAbort, { once: true })
      this.pending.set(id, {
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort)
          resolve(v as CommandResult<K>)
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort)
          reject(e)
        }
      })
      this.port.send(encodeFrame({ t: 'call', id, cmd, args }))
    })
  }

  onEvent(listener: (event: FrontEvent) => void): () => void {
    this.listeners.add(listener)
    const early = this.early
    this.early = []
    for (const e of early) listener(e)
    return () => this.listeners.delete(listener)
  }

  onClose(listener: (reason: string) => void): () => void {
    if (this.closed !== undefined) listener(this.closed)
    else this.closeListeners.add(listener)
    return () => this.closeListeners.delete(listener)
  }

  private receive(frame: Uint8Array): void {
    let message: ServerMessage
    try {
      message = decodeFrame(frame) as ServerMessage
    } catch {
      return // a broken frame from our own engine: nothing sensible to do with it
    }
    if (message.t === 'reply') {
      const p = this.pending.get(message.id)
      if (!p) return
      this.pending.delete(message.id)
      if (message.ok) p.resolve(message.value)
      else {
        const { code, message: text, confirm } = message.error
        // Only a string token is kept: a reply is data from another process.
        p.reject(new EngineError(code, text, typeof confirm === 'string' ? confirm : undefined))
      }
    } else if (message.t === 'event') {
      const event = message.event as FrontEvent
      if (this.listeners.size === 0) {
        this.early.push(event)
        if (this.early.length > MAX_EARLY_EVENTS) this.early.splice(1, 1)
        return
      }
      for (const l of this.listeners) l(event)
    }
  }

  private close(reason: string): void {
    if (this.closed !== undefined) return
    this.closed = reason
    for (const p of this.pending.values()) p.reject(new EngineError('ESTATE', `not connected to the engine: ${reason}`))
    this.pending.clear()
    for (const l of this.closeListeners) l(reason)
    this.closeListeners.clear()
  }
}
