// The engine's replay commands (replay.*): each looks up what it replays in the engine's
// open captures, sends it, and records the replay in the live capture beside the traffic
// it came from. Recorded servers live here until replay.stop or the engine's close.

import { setMaxListeners } from 'node:events'
import { LIVE_CAPTURE, type ReplaySource } from '../../shared/capture-types'
import { deliveredRequest } from './delivered-request'
import type { CallContext, CommandArgs } from '../../shared/contract'
import type { CommandTable } from '../command-table'
import type { OperationProgress } from '../../shared/events'
import type { CaptureReplaySummary, HttpReplayOutcome, HttpSequenceResult, MessageReplayResult, RawReplayResult, RecordedClientReport, RecordedServerInfo, ReplayCaFile } from '../../shared/replay-types'
import type { Endpoint } from '../../shared/endpoint'
import type { CaptureView } from '../capture/query/capture-queries'
import type { HoldState } from '../capture/write/hold-state'
import type { LiveCapture } from '../capture/write/live-capture'
import type { Captures } from '../capture/open-captures'
import type { Decoding } from '../decode/decoding'
import type { FdBudget } from '../net/fd-budget'
import { UserError } from '../net/net-errors'
import { refuseGaps } from './recorded-gaps'
import { parseTargetEndpoint, parseUserEndpoint } from '../net/user-endpoint'
import { compileUserRegex } from '../regex/user-regex'
import { replayCapture, throttledProgress } from './capture-replay'
import { replayHttp } from './http-replay'
import { sendNewRequest } from './new-request'
import { replaySequence } from './http-replay-sequence'
import { replayRaw, type ReplayRecording } from './raw-replay'
import { replayByMessage } from './message-replay'
import { RecordedServer } from './recorded-server'
import { clientSpokeTls, HOST_NAME, loadReplayTls, replayTlsFor } from './replay-tls'
import { loadServerTls, type ServerTls } from '../session/session-tls'
import type { ConnectionSummary } from '../../shared/capture-types'
import type { TlsConnect } from '../net/target/connect-target'
import type { ReplayTlsOptions } from '../../shared/tls-args'
import type { CaSource } from '../tls/ca-commands'

/** Client reports a recorded server keeps for replay.stop: its last clients. */
const MAX_RECORDED_CLIENT_REPORTS = 1000
/**
 * Turns those reports hold in all: each report lists every turn, so a thousand clients of a
 * connection of MAX_REPLAY_TURNS (100,000) would keep a hundred million; a long conversation
 * keeps fewer clients' reports instead.
 */
const MAX_RECORDED_REPORT_TURNS = 1_000_000

export interface ReplayDeps {
  capture: LiveCapture
  captures: Captures
  decoding: Decoding
  hold: HoldState
  budget: FdBudget
  /** Throws when the engine is shutting down. */
  checkOpen: () => void
  /** How far a long command named by its `progress` argument (replay.capture) got. */
  progress: (p: OperationProgress) => void
  /** A client of recorded server `server` is gone: what it was played (a front end may show each as it goes). */
  clientDone: (server: string, report: RecordedClientReport) => void
  /** tcpscope's CA: a recorded server answers TLS clients with its leaves. */
  ca?: CaSource
}

export class ReplayCommands {
  /** Recorded servers (replay.serve), with the reports of their last clients. */
  private readonly recordedServers = new Map<string, { server: RecordedServer; reports: RecordedClientReport[]; capture: string; connId: number }>()
  private nextRecordedServer = 1
  /** Aborted by close(): a replay under way stops with the engine, not after it, writing into a closed capture. */
  private readonly closing = new AbortController()
  /** Replays under way, which close() waits for once it has stopped them. */
  private readonly running = new Set<Promise<unknown>>()

  constructor(private readonly deps: ReplayDeps) {}

  /** Runs a replay with a signal that aborts on the caller's cancel or the engine's close. */
  private async track<T>(ctx: CallContext | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.deps.checkOpen()
    const signal = ctx?.signal === undefined ? this.closing.signal : AbortSignal.any([ctx.signal, this.closing.signal])
    // Every request of a repeat under way listens to it (up to MAX_HTTP_REPLAY_CONCURRENCY at once): no leak, and no warning on stderr.
    setMaxListeners(0, signal)
    const p = work(signal)
    this.running.add(p)
    try {
      return await p
    } finally {
      this.running.delete(p)
    }
  }

  private get record(): ReplayRecording {
    return { capture: this.deps.capture, hold: this.deps.hold, budget: this.deps.budget }
  }

  /** Recording of a replay of `connId` (and `exchange`) of capture `capture`, linked to it; a file is named, as its id does not outlive the engine. */
  private recordOf(capture: string, connId: number, exchange?: number): ReplayRecording {
    const source: ReplaySource = { capture, connId }
    if (capture !== LIVE_CAPTURE) source.file = this.deps.captures.info(capture).name
    if (exchange !== undefined) source.exchange = exchange
    return { ...this.record, source }
  }

  /**
   * The capture holding connection `connId`, where its replay goes (`target`, or the
   * connection's own), and over what: TLS when its target spoke TLS (or `tls.enabled`).
   */
  private async replayed(capture: string, connId: number, target: string | undefined, tls: ReplayTlsOptions | undefined): Promise<{ view: CaptureView; target: Endpoint; tls: TlsConnect | undefined; caFile: { caFile?: ReplayCaFile } }> {
    this.deps.checkOpen()
    const view = this.deps.captures.get(capture)
    const conn = await view.connection(connId)
    if (!conn) throw new UserError(`no connection #${connId} in this capture`, 'ENOENT')
    refuseGaps(conn)
    const endpoint = parseTargetEndpoint(target ?? conn.target, 'target')
    const leg = await replayTlsFor(await loadReplayTls(tls), conn)
    // The result says which CA file the replay trusted: the recorded one is trusted unasked.
    return { view, target: endpoint, tls: leg?.connect, caFile: leg?.caFile === undefined ? {} : { caFile: leg.caFile } }
  }

  raw(args: CommandArgs<'replay.raw'>, ctx?: CallContext): Promise<RawReplayResult> {
    return this.track(ctx, async (signal) => {
      const { view, target, tls, caFile } = await this.replayed(args.capture, args.connId, args.target, args.tls)
      const result = await replayRaw(view, args.connId, {
        target,
        tls,
        strategy: args.strategy,
        timeoutMs: args.timeoutMs,
        edits: args.edits,
        signal,
        record: args.record === false ? undefined : this.recordOf(args.capture, args.connId)
      })
      return { ...result, ...caFile }
    })
  }

  messages(args: CommandArgs<'replay.messages'>, ctx?: CallContext): Promise<MessageReplayResult> {
    return this.track(ctx, async (signal) => {
      const { view, target, tls, caFile } = await this.replayed(args.capture, args.connId, args.target, args.tls)
      const result = await replayByMessage(view, args.connId, this.deps.decoding.rawMessages, {
        target,
        tls,
        timeoutMs: args.timeoutMs,
        frame: args.frame,
        edits: args.edits,
        fixLength: args.fixLength,
        signal,
        record: args.record === false ? undefined : this.recordOf(args.capture, args.connId)
      })
      return { ...result, ...caFile }
    })
  }

  async serve(args: CommandArgs<'replay.serve'>): Promise<RecordedServerInfo> {
    this.deps.checkOpen()
    if (args.frame !== undefined && args.byMessage !== true) throw new UserError('a framing cuts the connection for a recorded server that answers by message: give byMessage too', 'EINVAL')
    const listen = parseUserEndpoint(args.listen, 'listen', '127.0.0.1')
    const view = this.deps.captures.get(args.capture)
    const conn = await view.connection(args.connId)
    // Its client spoke TLS (to a proxy or server session that terminated it): so do the clients it is played to.
    const tls = (args.tls ?? clientSpokeTls(conn)) ? await this.serverTls(conn, listen) : undefined
    const reports: RecordedClientReport[] = []
    // Its id, once it has one: a client can only be gone after it listens.
    const named: { id?: string } = {}
    const server = await RecordedServer.start(view, args.connId, {
      listen,
      tls,
      timeoutMs: args.timeoutMs,
      budget: this.deps.budget,
      ...(args.byMessage === true ? { byMessage: { messages: this.deps.decoding.rawMessages, frame: args.frame } } : {}),
      onClient: (r) => {
        const keep = Math.max(1, Math.min(MAX_RECORDED_CLIENT_REPORTS, Math.floor(MAX_RECORDED_REPORT_TURNS / Math.max(1, r.of))))
        reports.push(r)
        if (reports.length > keep) reports.splice(0, reports.length - keep)
        if (named.id !== undefined) this.deps.clientDone(named.id, r)
      }
    })
    // The engine may have closed while it started: a server kept now would listen past the engine.
    if (this.closing.signal.aborted) {
      await server.stop()
      this.deps.checkOpen()
    }
    // The id is taken only once it listens, as proxy.start does.
    const id = (named.id = `r${this.nextRecordedServer++}`)
    this.recordedServers.set(id, { server, reports, capture: args.capture, connId: args.connId })
    return this.info(id)
  }

  /** A recorded server's TLS: leaves from the CA, for the name the recorded client asked for when a client sends none. */
  private serverTls(conn: ConnectionSummary | undefined, listen: Endpoint): Promise<ServerTls> {
    const sni = conn?.tls?.client?.sni ?? conn?.tls?.passthrough?.sni
    return loadServerTls(sni !== undefined && HOST_NAME.test(sni) ? { name: sni } : {}, listen, this.deps.ca)
  }

  servers(): Promise<RecordedServerInfo[]> {
    return Promise.resolve([...this.recordedServers.keys()].map((id) => this.info(id)))
  }

  private info(id: string): RecordedServerInfo {
    const { server, capture, connId } = this.recordedServers.get(id)!
    const info: RecordedServerInfo = { id, listen: server.listen, capture, connId, turns: server.turns, clients: server.accepted, open: server.open }
    if (server.framing !== undefined) info.framing = server.framing
    return info
  }

  async stop(args: CommandArgs<'replay.stop'>): Promise<RecordedClientReport[]> {
    const served = this.recordedServers.get(args.id)
    if (!served) throw new UserError(`no recorded server "${args.id}"`, 'ENOENT')
    this.recordedServers.delete(args.id)
    await served.server.stop()
    return served.reports
  }

  http(args: CommandArgs<'replay.http'>, ctx?: CallContext): Promise<HttpReplayOutcome> {
    return this.track(ctx, async (signal) => {
      const { view, target, tls, caFile } = await this.replayed(args.capture, args.connId, args.target, args.tls)
      // As delivered: the request the target got, sent as an edited copy (as sent when no rule changed it).
      const delivered = args.as === 'delivered' && args.request === undefined ? await deliveredRequest(view, this.deps.decoding, args.connId, args.exchange, signal) : undefined
      const outcome = await replayHttp(view, this.deps.decoding, args.connId, args.exchange, {
        target,
        tls,
        fixLength: args.fixLength,
        count: args.count,
        concurrency: args.concurrency,
        timeoutMs: args.timeoutMs,
        request: args.request ?? delivered,
        ignoreHeaders: args.ignoreHeaders,
        signal,
        record: args.record === false ? undefined : this.recordOf(args.capture, args.connId, args.exchange)
      })
      return outcome.first === undefined ? outcome : { ...outcome, first: { ...outcome.first, ...caFile } }
    })
  }

  /** A request composed from scratch: recorded in the live capture, linked to nothing. */
  send(args: CommandArgs<'replay.send'>, ctx?: CallContext): Promise<HttpReplayOutcome> {
    return this.track(ctx, (signal) =>
      sendNewRequest(
        { url: args.url, method: args.method ?? 'GET', headers: args.headers ?? [], body: typeof args.body === 'string' ? Buffer.from(args.body) : (args.body ?? new Uint8Array(0)), http2: args.http2 === true },
        { insecure: args.insecure, ca: args.ca, sni: args.sni, timeoutMs: args.timeoutMs, signal, record: args.record === false ? undefined : this.record }
      )
    )
  }

  sequence(args: CommandArgs<'replay.sequence'>, ctx?: CallContext): Promise<HttpSequenceResult> {
    return this.track(ctx, async (signal) => {
      const first = args.requests[0]
      if (first === undefined) throw new UserError('a keep-alive sequence needs at least one captured request', 'EINVAL')
      const { view, target, tls, caFile } = await this.replayed(args.capture, first.connId, args.target, args.tls)
      const result = await replaySequence(view, this.deps.decoding, args.requests, {
        target,
        tls,
        fixLength: args.fixLength,
        timeoutMs: args.timeoutMs,
        ignoreHeaders: args.ignoreHeaders,
        signal,
        record: args.record === false ? undefined : this.recordOf(args.capture, first.connId, first.exchange)
      })
      return { ...result, ...caFile }
    })
  }

  capture(args: CommandArgs<'replay.capture'>, ctx?: CallContext): Promise<CaptureReplaySummary> {
    return this.track(ctx, async (signal) => {
      const view = this.deps.captures.get(args.capture)
      const operation = args.progress
      const tls = await loadReplayTls(args.tls)
      return replayCapture(view, this.deps.decoding, {
        tls,
        target: args.target === undefined ? undefined : parseTargetEndpoint(args.target, 'target'),
        filter: args.filter,
        speed: args.speed,
        concurrency: args.concurrency,
        ignoreHeaders: args.ignoreHeaders,
        ignoreBody: args.ignoreBody === undefined ? undefined : compileUserRegex(args.ignoreBody),
        timeoutMs: args.timeoutMs,
        signal,
        record: args.record === false ? undefined : (connId) => this.recordOf(args.capture, connId),
        onProgress: operation === undefined ? undefined : throttledProgress((p) => this.deps.progress({ operation, ...p }))
      })
    })
  }

  /** Stops every replay under way and every recorded server (the engine's close). */
  async close(): Promise<void> {
    this.closing.abort()
    await Promise.allSettled([...this.running])
    await Promise.all([...this.recordedServers.values()].map((r) => r.server.stop()))
  }
}

export type ReplayCommand = 'replay.raw' | 'replay.messages' | 'replay.http' | 'replay.send' | 'replay.sequence' | 'replay.capture' | 'replay.serve' | 'replay.servers' | 'replay.stop'

/** The replay part of the engine's command table. */
export function replayCommands(replay: ReplayCommands): CommandTable<ReplayCommand> {
  return {
    'replay.raw': (args, ctx) => replay.raw(args, ctx),
    'replay.messages': (args, ctx) => replay.messages(args, ctx),
    'replay.http': (args, ctx) => replay.http(args, ctx),
    'replay.send': (args, ctx) => replay.send(args, ctx),
    'replay.sequence': (args, ctx) => replay.sequence(args, ctx),
    'replay.capture': (args, ctx) => replay.capture(args, ctx),
    'replay.serve': (args) => replay.serve(args),
    'replay.servers': () => replay.servers(),
    'replay.stop': (args) => replay.stop(args)
  }
}
