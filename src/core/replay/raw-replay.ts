// Raw TCP replay: the client side of a captured connection sent again to a target, turn
// by turn as its strategy says, with the server's answers compared to the recorded ones.
// Every write waits for the socket to drain, and every wait ends on close, abort or its
// timeout, so neither a silent nor a flooding server holds it up or grows its memory.

import { createConnection, type Socket } from 'node:net'
import type { ConnectionEnd } from '../../shared/capture-types'
import { formatEndpoint, type Endpoint } from '../../shared/endpoint'
import type { RawReplayResult, ReplayStrategy, ReplayTurn } from '../../shared/replay-types'
import type { CaptureView } from '../capture/capture-queries'
import type { HoldState } from '../capture/hold-state'
import type { LiveCapture, RecordedConnection } from '../capture/live-capture'
import type { FdBudget } from '../net/fd-budget'
import { UserError, describeNetError, errorInfo } from '../net/net-errors'
import { drainedOrClosed, isResetError, localPeer, remotePeer } from '../net/sockets'
import { cancelled } from '../session/session-connection'
import { Answers } from './answers'
import { rangeHash, recordedPieces } from './recorded-bytes'
import { Waits } from './waits'
import { planReplay, type StreamRange } from './replay-plan'

export const DEFAULT_TURN_TIMEOUT_MS = 2000
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** Client bytes are read from the capture and written in pieces of this size. */
/** The owner id of replay connections in the live capture. */
export const REPLAY_OWNER = 'replay'

/** The target could not be reached: front ends tell it apart from other failures (the CLI's exit code). */
export class ReplayConnectError extends UserError {}

/** Where a replay's own connection is recorded (the engine's live capture). */
export interface ReplayRecording {
  capture: LiveCapture
  /** The capture writer's request to pause reading, obeyed as proxies obey it. */
  hold?: HoldState
  budget?: FdBudget
}

export interface RawReplayOptions {
  target: Endpoint
  strategy: ReplayStrategy
  /** `turns`: how long to wait for an answer; every strategy: how long to wait for the last one. */
  timeoutMs?: number
  connectTimeoutMs?: number
  signal?: AbortSignal
  record?: ReplayRecording
  /** The most of the answers kept for the result (REPLAY_KEPT_TOTAL unless said): many replays at once keep less each. */
  keepTotal?: number
}

export async function replayRaw(view: CaptureView, connId: number, opts: RawReplayOptions): Promise<RawReplayResult> {
  const plan = await planReplay(view, connId)
  const signal = opts.signal
  if (signal?.aborted) throw cancelled()
  const where = formatEndpoint(opts.target)
  const rec = opts.record?.capture.openConnection({ kind: 'client', ownerId: REPLAY_OWNER, target: where })
  const socket = await connect(opts, where, rec)
  const link = new ReplayLink(socket, rec, opts.record?.hold, signal)
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TURN_TIMEOUT_MS
  const expected = plan.turns.map((t) => t.server.length)
  const answers = new Answers(expected, opts.strategy !== 'turns', opts.keepTotal)
  link.onData = (chunk) => answers.feed(chunk)
  const sent = plan.turns.map(() => 0)

  const sendRange = async (i: number, range: StreamRange): Promise<void> => {
    for await (const bytes of recordedPieces(view, connId, 'client', range)) {
      if (!link.open || !(await link.write(bytes))) return
      sent[i] += bytes.length
    }
  }

  try {
    const start = performance.now()
    const firstAt = plan.turns.find((t) => t.client.length > 0)?.at ?? 0
    const last = plan.turns.length - 1
    for (let i = 0; i <= last && link.open; i++) {
      const t = plan.turns[i]
      if (opts.strategy === 'timing' && t.client.length > 0) {
        const due = start + t.at - firstAt - performance.now()
        if (due > 0) await link.wait(() => false, due)
      }
      if (opts.strategy === 'turns') answers.current = i
      await sendRange(i, t.client)
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

  const turns: ReplayTurn[] = await Promise.all(
    plan.turns.map(async (t, index) => {
      const a = answers.list[index]
      const matched = a.received === t.server.length && (t.server.length === 0 || (await rangeHash(view, connId, 'server', t.server)) === a.hash.digest('hex'))
      return { index, sent: sent[index], recordedSent: t.client.length, expected: t.server.length, received: a.received, bytes: Buffer.concat(a.kept), recordedBytes: new Uint8Array(0), matched }
    })
  )
  const result: RawReplayResult = { target: where, strategy: opts.strategy, turns, matched: turns.filter((t) => t.matched).length, of: turns.length, end: link.ending }
  if (rec) result.connId = rec.id
  return result
}


/** Connects (recorded, when recording); a failure is one line, as client sessions word it. */
export function connect(opts: Pick<RawReplayOptions, 'target' | 'connectTimeoutMs' | 'signal' | 'record'>, where: string, rec: RecordedConnection | undefined): Promise<Socket> {
  const t = opts.target
  rec?.event('connecting', undefined, { target: where })
  const socket = t.kind === 'unix' ? createConnection({ path: t.path, allowHalfOpen: true }) : createConnection({ host: t.host, port: t.port, allowHalfOpen: true, noDelay: true })
  const budget = opts.record?.budget
  budget?.opened(1)
  socket.once('close', () => budget?.closed(1))
  const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  const timer = setTimeout(() => {
    rec?.event('timeout', undefined, { ms: timeoutMs, what: 'connect' })
    socket.destroy(Object.assign(new Error(`connect timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }))
  }, timeoutMs)
  socket.on('lookup', (err, address, family, host) => {
    if (!err) rec?.event('lookup', undefined, { host, address, family })
  })
  return new Promise((resolve, reject) => {
    const onAbort = (): void => void socket.destroy(Object.assign(new Error('cancelled'), { code: 'ECANCELED' }))
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    const onFail = (err: NodeJS.ErrnoException): void => {
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
      const aborted = err.code === 'ECANCELED'
      const message = aborted ? 'cancelled' : describeNetError(err, { op: 'connect', where })
      rec?.event('connect-failed', 'server', { ...errorInfo(err), message })
      socket.once('close', () => {
        rec?.close('connect-failed')
        reject(aborted ? cancelled() : new ReplayConnectError(message, err.code ?? 'ECONNREFUSED'))
      })
    }
    socket.once('error', onFail)
    socket.once('connect', () => {
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
      socket.off('error', onFail)
      const path = t.kind === 'unix' ? t.path : undefined
      rec?.connected(localPeer(socket, path), remotePeer(socket, path))
      resolve(socket)
    })
  })
}

/** The connected socket: what it received, how it ended, and waits that end on close or abort. */
export class ReplayLink {
  onData: (chunk: Buffer) => void = () => {}
  serverEnded = false
  private closed = false
  private end_: ConnectionEnd | undefined
  private readonly waits = new Waits(() => this.open)
  private readonly unwatch: (() => void) | undefined
  private readonly closedPromise: Promise<void>

  constructor(
    private readonly socket: Socket,
    private readonly rec: RecordedConnection | undefined,
    hold: HoldState | undefined,
    private readonly signal: AbortSignal | undefined
  ) {
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

  /** Writes (recorded as the client's), then waits until the socket takes more; false once it cannot. */
  async write(bytes: Buffer): Promise<boolean> {
    if (!this.open || this.socket.writableEnded) return false
    this.rec?.data('client', bytes)
    if (this.socket.write(bytes)) return true
    await drainedOrClosed(this.socket, this.signal)
    return this.open
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
