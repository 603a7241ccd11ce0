// The engine's side of the envelope (src/shared/wire.ts), one per connected front end,
// the same behind Electron IPC and web mode's WebSocket: it decodes frames, checks every
// call against the contract and the front end's policy, runs it (cancellable ones with an
// AbortSignal), replies with the value or a coded one-line error, and pushes the batched
// event stream. Only a bug is "internal": it is logged here with its stack.
//
// What it holds for a front end is bounded however slowly that front end reads: replies
// wait while the transport is congested, and while they wait no new call starts. Calls
// that are not long waits run at most MAX_RUNNING at once, so a burst of reads (each up
// to 16 MiB) cannot all be answered into memory before the first one has gone out.

import { namesFilePayload } from '../../shared/payload/file-payloads'
import { commandNamed, commands, fileAccessOf, validateArgs, type CommandName, type EngineApi, type FileAccess } from '../../shared/contract'
import { ERROR_CODES, UserError, toWireError } from '../../shared/errors'
import type { EngineEvent, FrontEvent } from '../../shared/events'
import type { CaptureInfo } from '../../shared/capture-types'
import { ValidationError } from '../../shared/schema'
import { decodeFrame, encodeFrame, FrameError, type ClientMessage, type ServerMessage } from '../../shared/wire'
import { EventBatcher } from './event-batcher'
import { RateLimitedLog } from '../events/rate-limited-log'

/** What a front end may do beyond the contract itself. */
export interface EndpointPolicy {
  /** The file accesses (contract.ts, CommandSpec.files) this front end may make besides `none`. */
  files: readonly FileAccess[]
  /** Says how to allow what is refused, for the refusal message. */
  filesHint: string
  /** The same for running a program (`runs-program`), when its switch is another one. */
  programsHint?: string
}

/** Every file access, and running programs: the desktop app's user is the one at the keyboard. */
export const ALL_FILE_ACCESS: readonly FileAccess[] = ['payload-files', 'reads-path', 'writes-path', 'runs-program']

export interface EndpointEngine extends EngineApi {
  subscribe(listener: (e: EngineEvent) => void): () => void
  /** Every open capture as it is now. */
  captureList(): CaptureInfo[]
}

export interface FrameOut {
  send(frame: Uint8Array): void
  /** True while frames already sent have not gone out yet (events and replies then wait). */
  congested(): boolean
}

export type Logger = (message: string, err?: unknown) => void

/**
 * Calls that are not long waits running at once for one front end. Long waits (conn.expect,
 * search, open, save: the cancellable ones) do not count, so they never hold up a read.
 */
export const MAX_RUNNING = 4
/** How often a congested transport is looked at again (a WebSocket tells no drain). */
const ROOM_POLL_MS = 10

/** What each refused file access is, for the refusal message. */
const ACCESS_TEXT: Record<Exclude<FileAccess, 'none'>, string> = {
  'payload-files': "sending a file's contents reads the engine host's files",
  'reads-path': "opening a file by its path reads the engine host's files",
  'writes-path': "saving to a path writes the engine host's files",
  'runs-program': "running a program runs it on the engine's host, as its user"
}

/** A `ksy:FILE` or `script:FILE` framing in the arguments (any command's `frame`): the engine reads (and for a script, runs) that file of its host; which kind, or undefined. */
const namedFraming = (args: unknown): 'ksy' | 'script' | undefined => {
  const frame = typeof args === 'object' && args !== null ? (args as { frame?: unknown }).frame : undefined
  const kind = typeof frame === 'string' ? /^\s*(ksy|script)\s*:/i.exec(frame)?.[1].toLowerCase() : undefined
  return kind === 'ksy' || kind === 'script' ? kind : undefined
}

/** A `path` in the arguments: capture.export without one keeps its file as a download, on no path of the host. */
const namesPath = (args: unknown): boolean => typeof args === 'object' && args !== null && (args as { path?: unknown }).path !== undefined

/** True when this call of `name` makes the file access its command declares. */
function touchesFiles(name: CommandName, args: unknown): boolean {
  const access = fileAccessOf(name)
  if (access === 'payload-files') return namesFilePayload(args)
  if (access === 'writes-path') return namesPath(args)
  return access !== 'none'
}

export class EngineEndpoint {
  private readonly inflight = new Map<number, AbortController>()
  private readonly batcher: EventBatcher
  private readonly dropped: RateLimitedLog
  /** Calls counted against MAX_RUNNING that have not finished. */
  private running = 0
  /** Calls waiting for a turn: each is told true to go, false when the front end is gone. */
  private readonly waitingCalls: Array<(go: boolean) => void> = []
  /** Encoded replies waiting for the transport to drain. */
  private readonly waitingReplies: Uint8Array[] = []
  private poll: NodeJS.Timeout | undefined
  private closed = false

  constructor(
    private readonly engine: EndpointEngine,
    private readonly policy: EndpointPolicy,
    private readonly out: FrameOut,
    private readonly log: Logger
  ) {
    this.batcher = new EventBatcher(engine, { ready: () => this.hasRoom(), send: (event) => this.push(event) })
    this.dropped = new RateLimitedLog(log, (n) => `tcpscope: dropped ${n} more bad frame${n === 1 ? '' : 's'} from a front end (not logged one by one)`)
  }

  /** Sends the snapshot and starts the batched events. */
  start(): void {
    this.batcher.start()
  }

  private push(event: FrontEvent): void {
    if (this.closed) return
    this.out.send(encodeFrame({ t: 'event', event }))
  }

  private hasRoom(): boolean {
    return this.waitingReplies.length === 0 && !this.out.congested()
  }

  private reply(message: ServerMessage): void {
    if (this.closed) return
    const frame = encodeFrame(message)
    if (this.hasRoom()) this.out.send(frame)
    else {
      this.waitingReplies.push(frame)
      this.watch()
    }
  }

  private watch(): void {
    if (this.poll === undefined && !this.closed) this.poll = setTimeout(this.pump, ROOM_POLL_MS)
  }

  /** Sends waiting replies, then lets waiting calls start, as far as there is room. */
  private readonly pump = (): void => {
    // Called directly when a call ends, too: the look-again that was due is this one.
    if (this.poll !== undefined) clearTimeout(this.poll)
    this.poll = undefined
    if (this.closed) return
    while (this.waitingReplies.length > 0 && !this.out.congested()) this.out.send(this.waitingReplies.shift()!)
    while (this.waitingCalls.length > 0 && this.running < MAX_RUNNING && this.hasRoom()) {
      this.running++
      this.waitingCalls.shift()!(true)
    }
    if (this.waitingReplies.length > 0 || (this.waitingCalls.length > 0 && this.running < MAX_RUNNING)) this.watch()
  }

  /** Resolves true when the call may run (a turn is taken), false if the front end went away. */
  private turn(): Promise<boolean> {
    if (this.waitingCalls.length === 0 && this.running < MAX_RUNNING && this.hasRoom()) {
      this.running++
      return Promise.resolve(true)
    }
    return new Promise((resolve) => {
      this.waitingCalls.push(resolve)
      this.watch()
    })
  }

  private endTurn(): void {
    this.running--
    this.pump()
  }

  receive(frame: Uint8Array): void {
    if (this.closed) return
    let message: ClientMessage
    try {
      message = decodeFrame(frame) as ClientMessage
    } catch (err) {
      this.dropped.write(`tcpscope: dropped a malformed frame from a front end (${err instanceof FrameError ? err.message : String(err)})`)
      return
    }
    if (typeof message !== 'object' || message === null || typeof message.id !== 'number' || !Number.isSafeInteger(message.id)) {
      this.dropped.write('tcpscope: dropped a frame that is not a call or a cancel')
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
    const { id, cmd, args } = message
    this.call(id, cmd, args).catch((err: unknown) => this.log(`tcpscope: a call could not be answered:`, err))
  }

  private fail(id: number, err: UserError): void {
    this.reply({ t: 'reply', id, ok: false, error: err.toWire() })
  }

  private async call(id: number, cmd: unknown, rawArgs: unknown): Promise<void> {
    const name = commandNamed(cmd)
    if (name === undefined) return this.fail(id, new UserError(`unknown command "${String(cmd).slice(0, 64)}"`))
    const cancellable = (commands[name] as { cancellable?: boolean }).cancellable === true
    const controller = cancellable ? new AbortController() : undefined
    if (controller) this.inflight.set(id, controller)
    let counted = false
    try {
      let args: unknown
      try {
        args = validateArgs(name, rawArgs)
      } catch (err) {
        if (err instanceof ValidationError) throw new UserError(`invalid arguments for ${name}: ${err.message}`, err.code)
        throw err
      }
      const access = fileAccessOf(name)
      if (access !== 'none' && !this.policy.files.includes(access) && touchesFiles(name, args)) {
        const hint = access === 'runs-program' ? (this.policy.programsHint ?? this.policy.filesHint) : this.policy.filesHint
        throw new UserError(`${name}: ${ACCESS_TEXT[access]}, which is off here; ${hint}`, ERROR_CODES.EFORBIDDEN)
      }
      const named = this.policy.files.includes('reads-path') ? undefined : namedFraming(args)
      if (named !== undefined) {
        const what = named === 'ksy' ? "a ksy: framing reads a .ksy file of the engine's host" : "a script: framing runs a script file of the engine's host"
        throw new UserError(`${name}: ${what}, which is off here; ${this.policy.filesHint}`, ERROR_CODES.EFORBIDDEN)
      }
      if (!cancellable) {
        if (!(await this.turn())) return
        counted = true
      }
      const value = await invoke(this.engine, name, args, controller?.signal)
      this.reply({ t: 'reply', id, ok: true, value: value ?? null })
    } catch (err) {
      if (!(err instanceof UserError)) this.log(`tcpscope: ${name} failed:`, err)
      this.reply({ t: 'reply', id, ok: false, error: toWireError(err, name) })
    } finally {
      this.inflight.delete(id)
      if (counted) this.endTurn()
    }
  }

  /** The front end went away: stop its events, drop what waits for it, cancel what it was waiting for. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.batcher.stop()
    this.dropped.close()
    if (this.poll !== undefined) clearTimeout(this.poll)
    this.poll = undefined
    this.waitingReplies.length = 0
    for (const go of this.waitingCalls.splice(0)) go(false)
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
