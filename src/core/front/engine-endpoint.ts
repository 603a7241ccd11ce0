// The engine's side of the envelope (src/shared/wire.ts), one per connected front end,
// the same behind Electron IPC and web mode's WebSocket: it decodes frames, checks every
// call against the contract and the front end's policy, runs it (cancellable ones with an
// AbortSignal), replies with the value or a coded one-line error, and pushes the batched
// event stream. Only a bug is "internal": it is logged here with its stack.

import { commandNamed, commands, validateArgs, type CommandName, type EngineApi } from '../../shared/contract'
import { ERROR_CODES, UserError, toWireError } from '../../shared/errors'
import type { EngineEvent, FrontEvent } from '../../shared/events'
import type { CaptureInfo } from '../../shared/capture-types'
import { ValidationError } from '../../shared/schema'
import { decodeFrame, encodeFrame, FrameError, type ClientMessage, type ServerMessage } from '../../shared/wire'
import { EventBatcher } from './event-batcher'

/** What a front end may do beyond the contract itself. */
export interface EndpointPolicy {
  /** Payloads of kind `file` read the host's files: off in web mode unless asked for. */
  files: boolean
  /** Says how to turn files on, for the refusal message. */
  filesHint: string
}

export interface EndpointEngine extends EngineApi {
  subscribe(listener: (e: EngineEvent) => void): () => void
  /** Every open capture as it is now. */
  captureList(): CaptureInfo[]
}

export interface FrameOut {
  send(frame: Uint8Array): void
  /** True while frames already sent have not gone out yet (events then wait and coalesce). */
  congested(): boolean
}

export type Logger = (message: string, err?: unknown) => void

/** A payload of kind `file` anywhere in the arguments. */
function readsFiles(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (Array.isArray(value)) return value.some(readsFiles)
  const o = value as Record<string, unknown>
  if (o.kind === 'file' && typeof o.data === 'string') return true
  return Object.values(o).some(readsFiles)
}

export class EngineEndpoint {
  private readonly inflight = new Map<number, AbortController>()
  private readonly batcher: EventBatcher
  private closed = false

  constructor(
    private readonly engine: EndpointEngine,
    private readonly policy: EndpointPolicy,
    private readonly out: FrameOut,
    private readonly log: Logger
  ) {
    this.batcher = new EventBatcher(
      engine,
      { ready: () => !out.congested(), send: (event) => this.push(event) }
    )
  }

  /** Sends the snapshot and starts the batched events. */
  start(): void {
    this.batcher.start()
  }

  private push(event: FrontEvent): void {
    if (this.closed) return
    this.send({ t: 'event', event })
  }

  private send(message: ServerMessage): void {
    if (this.closed) return
    this.out.send(encodeFrame(message))
  }

  receive(frame: Uint8Array): void {
    if (this.closed) return
    let message: ClientMessage
    try {
      message = decodeFrame(frame) as ClientMessage
    } catch (err) {
      this.log(`tcpscope: dropped a malformed frame from a front end (${err instanceof FrameError ? err.message : String(err)})`)
      return
    }
    if (typeof message !== 'object' || message === null || typeof message.id !== 'number' || !Number.isSafeInteger(message.id)) {
      this.log('tcpscope: dropped a frame that is not a call or a cancel')
      return
    }
    if (message.t === 'cancel') {
      this.inflight.get(message.id)?.abort()
      return
    }
    if (message.t !== 'call') {
      const { id, t } = message as { id: number; t?: unknown }
      return this.fail(id, new UserError(`unknown message type "${String(t)}"`))
    }
    void this.call(message.id, message.cmd, message.args)
  }

  private fail(id: number, err: UserError): void {
    this.send({ t: 'reply', id, ok: false, error: err.toWire() })
  }

  private async call(id: number, cmd: unknown, rawArgs: unknown): Promise<void> {
    const name = commandNamed(cmd)
    if (name === undefined) return this.fail(id, new UserError(`unknown command "${String(cmd).slice(0, 64)}"`))
    const controller = (commands[name] as { cancellable?: boolean }).cancellable ? new AbortController() : undefined
    if (controller) this.inflight.set(id, controller)
    try {
      let args: unknown
      try {
        args = validateArgs(name, rawArgs)
      } catch (err) {
        if (err instanceof ValidationError) throw new UserError(`invalid arguments for ${name}: ${err.message}`, err.code)
        throw err
      }
      if (!this.policy.files && readsFiles(args)) {
        throw new UserError(`${name}: sending a file's contents reads the engine host's files, which is off here; ${this.policy.filesHint}`, ERROR_CODES.EFORBIDDEN)
      }
      const value = await invoke(this.engine, name, args, controller?.signal)
      this.send({ t: 'reply', id, ok: true, value: value ?? null })
    } catch (err) {
      if (!(err instanceof UserError)) this.log(`tcpscope: ${name} failed:`, err)
      this.send({ t: 'reply', id, ok: false, error: toWireError(err, name) })
    } finally {
      this.inflight.delete(id)
    }
  }

  /** The front end went away: stop its events and cancel what it was waiting for. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.batcher.stop()
    for (const c of this.inflight.values()) c.abort()
    this.inflight.clear()
  }
}

function invoke(engine: EngineApi, name: CommandName, args: unknown, signal: AbortSignal | undefined): Promise<unknown> {
  // validateArgs has just checked `args` against this very command, a pairing TypeScript
  // cannot follow through an indexed call.
  const method = engine[name] as (this: EngineApi, args: unknown, ctx: { signal?: AbortSignal }) => Promise<unknown>
  return method.call(engine, args, { signal })
}
