// Raw TCP replay: the client side of a captured connection sent again to a target, turn
// by turn as its strategy says, with the server's answers compared to the recorded ones.
// Every write waits for the socket to drain, and every wait ends on close, abort or its
// timeout, so neither a silent nor a flooding server holds it up or grows its memory. A
// forward proxy's absolute-form connection is sent as the origin got it (as-origin-got.ts).

import type { Socket } from 'node:net'
import type { ConnectionEnd, ReplaySource } from '../../shared/capture-types'
import type { Endpoint } from '../../shared/endpoint'
import { DEFAULT_REPLAY_TIMEOUT_MS } from '../../shared/limits'
import type { RawReplayResult, ReplayStrategy, ReplayTurn } from '../../shared/replay-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { HoldState } from '../capture/write/hold-state'
import type { LiveCapture } from '../capture/write/live-capture'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import type { FdBudget } from '../net/fd-budget'
import { UserError, cancelled, errorInfo } from '../net/net-errors'
import { isResetError } from '../net/sockets'
import { Target, type TlsConnect } from '../net/target/connect-target'
import { AsOriginGot, absoluteFormOrigin } from '../proxy/forward/as-origin-got'
import { Answers } from './answers'
import { rangeHash, recordedPieces } from './recorded-bytes'
import { Waits } from './waits'
import { planReplay, type ReplayPlan, type StreamRange } from './replay-plan'

/** The owner id of replay connections in the live capture. */
export const REPLAY_OWNER = 'replay'

/** Where a replay's own connection is recorded (the engine's live capture). */
export interface ReplayRecording {
  capture: LiveCapture
  /** The capture writer's request to pause reading, obeyed as proxies obey it. */
  hold?: HoldState
  budget?: FdBudget
  /** What the replay replays, kept on its connection (ConnectionSummary.replayOf). */
  source?: ReplaySource
}

export interface RawReplayOptions {
  target: Endpoint
  strategy: ReplayStrategy
  /** `turns`: how long to wait for an answer; every strategy: how long to wait for the last one. */
  timeoutMs?: number
  connectTimeoutMs?: number
  signal?: AbortSignal
  record?: ReplayRecording
  /** The most of the answers (and recorded answers) kept for the result (REPLAY_KEPT_TOTAL unless said): many replays at once keep less each. */
  keepTotal?: number
  /** The most of one turn's answer (and recorded answer) kept (REPLAY_KEPT_PER_TURN unless said); `keepTotal` still bounds them all. */
  keepPerTurn?: number
  /** Client turns sent differently: turn `turn` (its index in the result's turns) sends `bytes` instead of what was recorded. */
  edits?: readonly TurnEdit[]
  /** Over TLS (replay-tls.ts replayTlsFor): the replay's connection records its handshake as any connect does. */
  tls?: TlsConnect
}

export interface TurnEdit {
  turn: number
  bytes: Uint8Array
}

/** The edits by turn; an edit of a turn that does not exist or sends nothing is refused (turns counted from 1, as front ends show them). */
function editsByTurn(plan: ReplayPlan, connId: number, edits: readonly TurnEdit[] | undefined): Map<number, Uint8Array> {
  const byTurn = new Map<number, Uint8Array>()
  for (const e of edits ?? []) {
    const t = plan.turns[e.turn]
    if (t === undefined) throw new UserError(`cannot edit turn ${e.turn + 1}: connection #${connId} has ${plan.turns.length} turn${plan.turns.length === 1 ? '' : 's'}`, 'EINVAL')
    if (t.client.length === 0) throw new UserError(`cannot edit turn ${e.turn + 1} of connection #${connId}: the client sent nothing in it (the server spoke first)`, 'EINVAL')
    if (byTurn.has(e.turn)) throw new UserError(`turn ${e.turn + 1} is edited twice`, 'EINVAL')
    byTurn.set(e.turn, e.bytes)
  }
  return byTurn
}

export async function replayRaw(view: CaptureView, connId: number, opts: RawReplayOptions): Promise<RawReplayResult> {
  const plan = await planReplay(view, connId)
  const edits = editsByTurn(plan, connId, opts.edits)
  // A forward proxy's absolute-form connection: its requests go as the origin got them (an
  // edited turn too, which starts from the recorded bytes), without the proxy's credentials.
  const origin = absoluteFormOrigin((await view.connection(connId)) ?? { target: '' })
  const asOriginGot = origin !== undefined ? new AsOriginGot(origin) : undefined
  const signal = opts.signal
  if (signal?.aborted) throw cancelled()
  const { socket, rec, where } = await connectReplay(opts)
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REPLAY_TIMEOUT_MS
  const link = new ReplayLink(socket, rec, opts.record?.hold, signal, timeoutMs)
  const expected = plan.turns.map((t) => t.server.length)
  const answers = new Answers(expected, opts.strategy !== 'turns', opts.keepTotal, opts.keepPerTurn)
  link.onData = (chunk) => answers.feed(chunk)
  /** Of each turn's bytes (recorded or edited), how many went out (rewritten for the origin, where they were). */
  const sent = plan.turns.map(() => 0)

  /** Writes `piece` (as the origin got it, where that applies); false once the link is gone. */
  const write = async (piece: Buffer): Promise<boolean> => {
    for (const bytes of asOriginGot !== undefined ? asOriginGot.pass(piece) : [piece]) if (!link.open || !(await link.write(bytes))) return false
    return true
  }

  const sendTurn = async (i: number, range: StreamRange): Promise<void> => {
    const edited = edits.get(i)
    if (edited !== undefined) {
      const bytes = Buffer.from(edited.buffer, edited.byteOffset, edited.byteLength)
      if (link.open && (await write(bytes))) sent[i] += bytes.length
      return
    }
    for await (const recorded of recordedPieces(view, connId, 'client', range)) {
      if (!link.open || !(await write(recorded))) return
      sent[i] += recorded.length
    }
  }

  try {
    const start = performance.now()
    const firstAt = plan.turns.find((t) => t.client.length > 0)?.at ?? 0
    const last = plan.turns.length - 1
    for (let i = 0; i <= last && link.open && !link.stalled; i++) {
      const t = plan.turns[i]
      if (opts.strategy === 'timing' && t.client.length > 0) {
        const due = start + t.at - firstAt - performance.now()
        if (due > 0) await link.wait(() => false, due)
      }
      if (opts.strategy === 'turns') answers.current = i
      await sendTurn(i, t.client)
      if (i === last && plan.clientFin === 'after-send') link.end()
      if (opts.strategy === 'turns' && expected[i] > 0) await link.wait(() => answers.list[i].received >= expected[i] || link.serverEnded, timeoutMs)
    }
    const total = expected.reduce((a, b) => a + b, 0)
    const allIn = (): boolean => answers.total >= total || link.serverEnded
    if (plan.clientFin === 'after-answer') {
      await link.wait(allIn, timeoutMs)
      link.end()
    }
    await link.wait(() => allIn() && (!plan.serverFin || link.serverEnded), timeoutMs)
    if (signal?.aborted) throw cancelled()
  } finally {
    await link.close(signal?.aborted ? 'stopped' : 'closed')
  }

  // One turn at a time: each reads its recorded answer in pieces, so a capture of many large turns is never read all at once.
  const turns: ReplayTurn[] = []
  for (const [index, t] of plan.turns.entries()) {
    const a = answers.list[index]
    const matched = a.received === t.server.length && (t.server.length === 0 || (await rangeHash(view, connId, 'server', t.server)) === a.hash.digest('hex'))
    const recordedBytes = await recordedStart(view, connId, t.server, answers.recordedKeep[index])
    const turn: ReplayTurn = { index, sent: sent[index], recordedSent: t.client.length, expected: t.server.length, received: a.received, bytes: Buffer.concat(a.kept), recordedBytes, matched }
    if (edits.has(index)) turn.edited = true
    turns.push(turn)
  }
  const result: RawReplayResult = { target: where, strategy: opts.strategy, turns, matched: turns.filter((t) => t.matched).length, of: turns.length, end: link.ending }
  if (rec) result.connId = rec.id
  return result
}

/** The first `keep` bytes of a recorded answer. */
async function recordedStart(view: CaptureView, connId: number, range: StreamRange, keep: number): Promise<Buffer> {
  const pieces: Buffer[] = []
  for await (const piece of recordedPieces(view, connId, 'server', { offset: range.offset, length: Math.min(keep, range.length) })) pieces.push(piece)
  return Buffer.concat(pieces)
}

/** A replay's connection to its target, as connectReplay opened it. */
export interface ReplayConnection {
  socket: Socket
  /** Its record in the live capture, when recording. */
  rec: RecordedConnection | undefined
  /** The target as typed back to people. */
  where: string
}

/**
 * Opens a replay's connection: recorded when recording (linked to what it replays), and
 * connected by connect-target.ts, as every connect to a target is; a failure rejects with
 * its one line (a ConnectError) and the record closed.
 */
export async function connectReplay(opts: Pick<RawReplayOptions, 'target' | 'connectTimeoutMs' | 'signal' | 'record' | 'tls'>): Promise<ReplayConnection> {
  const target = new Target({ target: opts.target, connectTimeoutMs: opts.connectTimeoutMs, tls: opts.tls })
  const record = opts.record
  const rec = record?.capture.openConnection({ kind: 'client', ownerId: REPLAY_OWNER, target: target.where, replayOf: record.source })
  const socket = await target.connect({ record: rec, signal: opts.signal, budget: record?.budget })
  return { socket, rec, where: target.where }
}

/** The connected socket: what it received, how it ended, and waits that end on close or abort. */
export class ReplayLink {
  onData: (chunk: Buffer) => void = () => {}
  serverEnded = false
  /** A write waited `stallMs` for the target to read: nothing more is written. */
  stalled = false
  private closed = false
  private end_: ConnectionEnd | undefined
  private readonly waits = new Waits(() => this.open)
  private readonly unwatch: (() => void) | undefined
  private readonly closedPromise: Promise<void>

  constructor(
    private readonly socket: Socket,
    private readonly rec: RecordedConnection | undefined,
    hold: HoldState | undefined,
    private readonly signal: AbortSignal | undefined,
    /** How long a write waits for a target that takes nothing more (the replay's answer timeout). */
    private readonly stallMs = DEFAULT_REPLAY_TIMEOUT_MS
  ) {
    socket.on('drain', () => this.wake())
    socket.on('data', (chunk: Buffer) => {
      rec?.data('server', chunk)
      this.onData(chunk)
      this.wake()
    })
    socket.on('end', () => {
      rec?.event('fin', 'server')
      this.serverEnded = true
      this.wake()
    })
    socket.on('finish', () => rec?.event('fin', 'client'))
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const reset = isResetError(err)
      rec?.event(reset ? 'reset' : 'error', 'server', errorInfo(err))
      this.end_ ??= reset ? 'server-reset' : 'error'
      // A TLS error after the handshake (an alert) leaves a TLSSocket open, unlike a TCP error.
      if (!socket.destroyed) socket.destroy()
    })
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true
        this.unwatch?.()
        resolve()
        this.wake()
      })
    )
    if (hold) {
      if (hold.held) socket.pause()
      this.unwatch = hold.watch((held) => (held ? socket.pause() : socket.resume()))
    }
    signal?.addEventListener('abort', this.onAbort, { once: true })
  }

  private readonly onAbort = (): void => {
    this.end_ ??= 'stopped'
    this.socket.destroy()
    this.wake()
  }

  get open(): boolean {
    return !this.closed && !this.signal?.aborted
  }

  get ending(): ConnectionEnd {
    return this.end_ ?? 'closed'
  }

  private wake(): void {
    this.waits.wake()
  }

  /** Resolves once `done()` holds, the socket closed, the caller cancelled, or `ms` passed. */
  wait(done: () => boolean, ms: number): Promise<void> {
    return this.waits.until(done, ms)
  }

  /**
   * Writes (recorded as the client's), then waits until the socket takes more; false once it
   * cannot. A target that reads nothing for `stallMs` is written to no more: without that, a
   * server that accepts and never reads would hold the replay (and its socket) until cancelled.
   */
  async write(bytes: Buffer): Promise<boolean> {
    if (!this.open || this.socket.writableEnded || this.stalled) return false
    this.rec?.data('client', bytes)
    if (this.socket.write(bytes)) return true
    await this.wait(() => !this.socket.writableNeedDrain, this.stallMs)
    if (this.open && this.socket.writableNeedDrain) {
      this.stalled = true
      this.rec?.event('timeout', undefined, { ms: this.stallMs, what: 'write' })
    }
    return this.open && !this.stalled
  }

  /** The client's FIN. */
  end(): void {
    if (this.open && !this.socket.writableEnded) this.socket.end()
  }

  /** Closes the socket (unless the server did) and records how it ended. */
  async close(end: ConnectionEnd): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort)
    this.end_ ??= end
    if (!this.closed) this.socket.destroy()
    await this.closedPromise
    this.rec?.close(this.end_)
  }
}
