// The one adapter between the engine and Electron IPC. Each contract command is handled on
// the channel of the same name, behind one wrapper that checks who asks and what they ask;
// engine events go to each window's page on EVENT_CHANNEL. Only types come from electron,
// so this runs (and is tested) in plain Node.

import { UserError } from '../core/net/net-errors'
import { commandNames, EVENT_CHANNEL, validateArgs, type CommandName, type EngineApi, type EngineEvent } from '../shared/contract'
import { ValidationError } from '../shared/schema'
import type { CommandReply } from '../shared/contract'

/** The parts of Electron's WebFrameMain the sender check reads. */
export interface SenderFrame {
  readonly url: string
  readonly parent: unknown
}

export interface InvokeEvent {
  /** Null when the frame navigated away or was destroyed before we looked. */
  readonly senderFrame: SenderFrame | null
}

export type CommandHandler = (event: InvokeEvent, arg: unknown) => Promise<CommandReply<unknown>>

/** The parts of Electron's ipcMain we use. */
export interface IpcRegistry {
  handle(channel: string, handler: CommandHandler): void
  removeHandler(channel: string): void
}

export type SenderCheck = (frame: SenderFrame) => boolean

/** Registers every contract command; returns a function that removes them again. */
export function registerEngineIpc(ipc: IpcRegistry, engine: EngineApi, isTrustedSender: SenderCheck): () => void {
  for (const name of commandNames) {
    ipc.handle(name, (event, arg) => handleCommand(engine, name, event, arg, isTrustedSender))
  }
  return () => {
    for (const name of commandNames) ipc.removeHandler(name)
  }
}

async function handleCommand(
  engine: EngineApi,
  name: CommandName,
  event: InvokeEvent,
  arg: unknown,
  isTrustedSender: SenderCheck
): Promise<CommandReply<unknown>> {
  const refusal = checkSender(event, isTrustedSender)
  if (refusal !== undefined) {
    console.warn(`tcpscope: refused ${name}: ${refusal}`)
    // A rejection, not a reply: a frame that is not the app gets nothing API-shaped back.
    throw new Error(`${name}: refused: ${refusal}`)
  }
  try {
    const value = await callEngine(engine, name, validateArgs(name, arg))
    return { ok: true, value: value instanceof Uint8Array ? plainBytes(value) : value }
  } catch (err) {
    return { ok: false, error: describeError(name, err) }
  }
}

function checkSender(event: InvokeEvent, isTrustedSender: SenderCheck): string | undefined {
  try {
    const frame = event.senderFrame
    if (!frame) return 'the sending frame is gone'
    // Sub-frames never get the preload, so a sub-frame calling in is something injected.
    if (frame.parent !== null) return `a sub-frame (${frame.url}) is not the app`
    if (!isTrustedSender(frame)) return `${frame.url} is not the app`
    return undefined
  } catch {
    // Reading a destroyed WebFrameMain throws; treat it as gone.
    return 'the sending frame is gone'
  }
}

function callEngine(engine: EngineApi, name: CommandName, args: unknown): Promise<unknown> {
  // validateArgs has just checked `args` against this very command, a pairing TypeScript
  // cannot follow through an indexed call.
  const method = engine[name] as (this: EngineApi, args: unknown) => Promise<unknown>
  return method.call(engine, args)
}

const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, ' ').trim()

/** What the page may see of an error: the user-facing line, never a stack. */
export function describeError(name: CommandName, err: unknown): string {
  if (err instanceof ValidationError) return `invalid arguments for ${name}: ${oneLine(err.message)}`
  if (err instanceof UserError) return oneLine(err.message)
  console.error(`tcpscope: ${name} failed:`, err)
  return `${name} failed: internal error (details are in the app's log)`
}

/**
 * A standalone Uint8Array of just these bytes. A Node Buffer is often a view into a shared
 * pool; cloning a view clones its whole backing store, which would ship unrelated bytes.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
  return whole ? new Uint8Array(bytes.buffer) : new Uint8Array(bytes)
}

const toPageEvent = (event: EngineEvent): EngineEvent =>
  event.type === 'conn-data' ? { ...event, preview: plainBytes(event.preview) } : event

export interface EventSource {
  subscribe(listener: (event: EngineEvent) => void): () => void
}

/** The parts of Electron's WebContents that event forwarding uses. */
export interface PageContents {
  send(channel: string, event: EngineEvent): void
  isDestroyed(): boolean
  on(event: 'did-finish-load' | 'destroyed', listener: () => void): unknown
}

/**
 * Forwards engine events to one window's page until the window is destroyed. Each page
 * load gets its own subscription, so a fresh page (first load, reload, crash recovery)
 * starts from a fresh snapshot; by `did-finish-load` the page's scripts have run and its
 * listener is there to receive it.
 */
export function forwardEngineEvents(engine: EventSource, contents: PageContents): () => void {
  let unsubscribe: (() => void) | undefined
  const stop = (): void => {
    unsubscribe?.()
    unsubscribe = undefined
  }
  contents.on('did-finish-load', () => {
    stop()
    unsubscribe = engine.subscribe((event) => {
      if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, toPageEvent(event))
    })
  })
  contents.on('destroyed', stop)
  return stop
}
