// The engine: its live capture (and capture files opened beside it), any number of proxies
// and ad-hoc sessions recording into the live one, and the command API of
// src/shared/contract.ts. Front ends (Electron IPC, web mode, the CLI) only call this.

import type { ActivityPage, CaptureInfo, ConnectionPage, ConnectionSummary, EventPage, MatchList, SavedCapture, SearchResult, TurnPage } from '../shared/capture-types'
import type { CallContext, CommandArgs, EngineApi } from '../shared/contract'
import { ERROR_CODES } from '../shared/errors'
import type { EngineEvent, ProxyInfo, Snapshot } from '../shared/events'
import type { ClientSessionInfo, ExpectResult, SequenceResult, ServerSessionInfo, SessionInfo } from '../shared/session-types'
import { LiveCapture, type CaptureOptions } from './capture/write/live-capture'
import { HoldState } from './capture/write/hold-state'
import { Captures } from './capture/open-captures'
import { EventHub, type EventListener, type SubscribeOptions } from './events/event-hub'
import { FdBudget } from './net/fd-budget'
import { FdWarnings } from './net/fd-warnings'
import { UserError } from './net/net-errors'
import { parseTargetEndpoint, parseUserEndpoint } from './net/user-endpoint'
import { Sessions } from './session/sessions'
import { buildPayload } from './payload/build-payload'
import { Proxy } from './proxy/proxy'
import { Uploads, type StoredUpload, type UploadOptions } from './uploads'
import { Downloads } from './downloads'
import { SaveFolder } from './save-folder'
import type { DownloadStart } from '../shared/contract'
import type { BodyPiece, ExchangeListPage, ExchangePage, ExportResult, WsMessagePage } from '../shared/protocol-types'
import { Decoding } from './decode/decoding'
import { Exports } from './export/exports'
import { ReplayCommands } from './replay/replay-commands'
import type { CaptureReplaySummary, HttpReplayOutcome, HttpSequenceResult, RawReplayResult, RecordedClientReport, RecordedServerInfo } from '../shared/replay-types'

export interface EngineOptions extends CaptureOptions {
  /** Where the capture is written: a new file, or an existing one with `overwrite`. */
  capturePath: string
  /** Capture files a front end uploads (capture.upload.*): how big, and where they are kept. */
  uploads?: UploadOptions
  /** Where a save by a relative name goes until the first save (default: the user's home). */
  saveFolder?: string
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

export class Engine implements EngineApi {
  private readonly hub = new EventHub()
  private readonly proxies = new Map<string, Proxy>()
  private readonly replay: ReplayCommands
  private readonly sessions: Sessions
  private readonly captures: Captures
  private readonly uploads: Uploads
  private readonly downloads = new Downloads()
  /** Protocol decoding of every open capture, in the decode worker when the build has one. */
  readonly decoding = new Decoding({}, () => this.hub.emit({ type: 'captures-updated', captures: this.captureList() }))
  private readonly exports: Exports
  private readonly hold = new HoldState()
  private nextProxy = 1
  private closing: Promise<void> | undefined
  private readonly budget = FdBudget.forProcess()
  private readonly fdWarnings: FdWarnings

  private constructor(
    readonly capture: LiveCapture,
    uploads: UploadOptions = {},
    saveFolder?: string
  ) {
    this.uploads = new Uploads(uploads)
    const hub = this.hub
    capture.setListener({
      get detailed() {
        return hub.detailed
      },
      data: (conn, dir, offset, chunk) => {
        this.hub.data(conn, dir, offset, chunk)
        this.decoding.changed(capture, conn)
      },
      event: (conn, event) => {
        // What is decoded so far rides along (a lookup): a connection's close shows its protocol.
        const protocol = this.decoding.summary(capture, conn.id)
        this.hub.connEvent(protocol ? { ...conn, protocol } : conn, event)
        this.decoding.changed(capture, conn.id)
      },
      pressure: (held) => this.hold.set(held),
      error: (message) => this.hub.emit({ type: 'capture-error', message })
    })
    // Live decoding starts with the engine: every exchange is there when a front end asks.
    // TCPSCOPE_DECODE=off leaves it to the first query (the bench's baseline).
    if (process.env.TCPSCOPE_DECODE !== 'off') this.decoding.watch(capture)
    this.captures = new Captures(capture, () => this.hub.emit({ type: 'captures-updated', captures: this.captureList() }), new SaveFolder(saveFolder))
    this.exports = new Exports({ decoding: this.decoding, downloads: this.downloads, folder: this.captures.folder, progress: (p) => this.hub.emit({ type: 'progress', ...p }) })
    this.fdWarnings = new FdWarnings(this.budget.limit, (message) => this.hub.emit({ type: 'warning', message }))
    this.sessions = new Sessions(capture, {
      updated: (session) => this.hub.emit({ type: 'session-updated', session }),
      warn: (message) => this.hub.emit({ type: 'warning', message }),
      budget: this.budget,
      fdExhausted: this.fdWarnings.note,
      hold: this.hold
    })
    this.replay = new ReplayCommands({ capture, captures: this.captures, decoding: this.decoding, hold: this.hold, budget: this.budget, checkOpen: () => this.checkOpen(), progress: (p) => this.hub.emit({ type: 'progress', ...p }) })
  }

  /** Creates the capture file and the engine recording into it; errors are one-line UserErrors. */
  static async create(opts: EngineOptions): Promise<Engine> {
    return new Engine(await LiveCapture.create(opts.capturePath, opts), opts.uploads, opts.saveFolder)
  }

  /** Subscribes to engine events; the first event is a snapshot of the current state. */
  subscribe(listener: EventListener, opts?: SubscribeOptions): () => void {
    return this.hub.subscribe(listener, () => this.snapshot(), opts)
  }

  snapshot(): Snapshot {
    return {
      type: 'snapshot',
      proxies: [...this.proxies.values()].map((p) => p.info()),
      sessions: this.sessions.list(),
      captures: this.captureList()
    }
  }

  /** Every open capture as it is now: the live one first. */
  captureList(): CaptureInfo[] {
    return this.captures.list().map((c) => {
      const decoded = this.decoding.version(c.id)
      return decoded === undefined ? c : { ...c, decoded }
    })
  }

  async 'proxy.start'(args: CommandArgs<'proxy.start'>): Promise<ProxyInfo> {
    this.checkOpen()
    const listen = parseUserEndpoint(args.listen, '--listen', '127.0.0.1')
    const target = parseTargetEndpoint(args.target, '--target')
    // The id is taken only once the proxy listens: a failed start leaves p1 for the next try.
    const id = `p${this.nextProxy}`
    const proxy = await Proxy.start(
      {
        id,
        listen,
        target,
        connectTimeoutMs: args.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        noDelay: args.noDelay ?? true
      },
      { capture: this.capture, budget: this.budget, fdExhausted: this.fdWarnings.note, hold: this.hold }
    )
    this.nextProxy++
    this.proxies.set(id, proxy)
    const info = proxy.info()
    this.hub.emit({ type: 'proxy-started', proxy: info })
    return info
  }

  /** Listens again, with the same id and settings, after a stop. */
  async 'proxy.restart'(args: CommandArgs<'proxy.restart'>): Promise<ProxyInfo> {
    this.checkOpen()
    const proxy = this.proxy(args.proxyId)
    await proxy.restart()
    const info = proxy.info()
    this.hub.emit({ type: 'proxy-started', proxy: info })
    return info
  }

  private proxy(id: string): Proxy {
    const proxy = this.proxies.get(id)
    if (!proxy) throw new UserError(`no proxy "${id}"; list them with proxy.list`, 'ENOENT')
    return proxy
  }

  async 'proxy.stop'(args: CommandArgs<'proxy.stop'>): Promise<void> {
    const proxy = this.proxy(args.proxyId)
    await proxy.stop(args.closeConnections ?? false)
    this.hub.emit({ type: 'proxy-stopped', proxy: proxy.info() })
  }

  async 'proxy.list'(): Promise<ProxyInfo[]> {
    return [...this.proxies.values()].map((p) => p.info())
  }

  async 'capture.list'(): Promise<CaptureInfo[]> {
    return this.captureList()
  }
  async 'capture.info'(args: CommandArgs<'capture.info'>): Promise<CaptureInfo> {
    return this.captures.info(args.capture)
  }
  'capture.open'(args: CommandArgs<'capture.open'>, ctx?: CallContext): Promise<CaptureInfo> {
    return this.captures.open(args.path, ctx?.signal)
  }
  async 'capture.close'(args: CommandArgs<'capture.close'>): Promise<void> {
    const { path } = this.captures.get(args.capture).info()
    this.decoding.forget(args.capture)
    await this.captures.close(args.capture)
    await this.uploads.discard(path)
  }
  'capture.save'(args: CommandArgs<'capture.save'>, ctx?: CallContext): Promise<SavedCapture> {
    return this.captures.save(args.path, args.confirm, ctx?.signal)
  }

  'capture.upload.begin'(args: CommandArgs<'capture.upload.begin'>): Promise<{ upload: string }> {
    this.checkOpen()
    return this.uploads.begin(args.name, args.size)
  }
  'capture.upload.chunk'(args: CommandArgs<'capture.upload.chunk'>): Promise<{ received: number }> {
    return this.uploads.chunk(args.upload, args.offset, args.data)
  }
  async 'capture.upload.end'(args: CommandArgs<'capture.upload.end'>, ctx?: CallContext): Promise<CaptureInfo> {
    const stored = await this.uploads.finish(args.upload)
    try {
      return await this.captures.open(stored.path, ctx?.signal)
    } catch (err) {
      await this.uploads.discard(stored.path)
      throw namedAfterUpload(err, stored)
    }
  }
  'capture.upload.cancel'(args: CommandArgs<'capture.upload.cancel'>): Promise<void> {
    return this.uploads.cancel(args.upload)
  }
  async 'capture.download.begin'(): Promise<DownloadStart> {
    this.checkOpen()
    return this.downloads.begin(await this.capture.snapshot())
  }
  'capture.download.read'(args: CommandArgs<'capture.download.read'>): Promise<Uint8Array> {
    return this.downloads.read(args.download, args.offset, args.length)
  }
  async 'capture.download.end'(args: CommandArgs<'capture.download.end'>): Promise<void> {
    const whole = this.downloads.end(args.download)
    if (whole) this.captures.markSaved(whole.changes)
  }

  async 'conn.page'(args: CommandArgs<'conn.page'>, ctx?: CallContext): Promise<ConnectionPage> {
    const view = this.captures.get(args.capture)
    const page = await view.page(args, ctx?.signal, this.decoding.facts(view))
    this.decoding.annotate(view, page.rows)
    return page
  }
  async 'conn.get'(args: CommandArgs<'conn.get'>): Promise<ConnectionSummary[]> {
    const view = this.captures.get(args.capture)
    const found = await Promise.all(args.ids.map((id) => view.connection(id)))
    return this.decoding.annotate(
      view,
      found.filter((c): c is ConnectionSummary => c !== undefined)
    )
  }
  'conn.read'(args: CommandArgs<'conn.read'>): Promise<Uint8Array> {
    return this.captures.get(args.capture).readBytes(args.connId, args.dir, args.offset, args.length)
  }
  'conn.events'(args: CommandArgs<'conn.events'>): Promise<EventPage> {
    return this.captures.get(args.capture).eventPage(args.connId, args.from, args.limit)
  }
  'conn.turns'(args: CommandArgs<'conn.turns'>): Promise<TurnPage> {
    return this.captures.get(args.capture).turns(args.connId, args.from, args.limit)
  }
  'conn.activity'(args: CommandArgs<'conn.activity'>): Promise<ActivityPage> {
    return this.captures.get(args.capture).activity(args.ids, args)
  }
  async 'conn.locate'(args: CommandArgs<'conn.locate'>): Promise<{ index: number }> {
    return { index: await this.captures.get(args.capture).locate(args.connId, args.dir, args.offset) }
  }
  'conn.search'(args: CommandArgs<'conn.search'>, ctx?: CallContext): Promise<SearchResult> {
    return this.captures.get(args.capture).search(args.connId, args.dir, args.pattern, { from: args.from, backward: args.backward, signal: ctx?.signal })
  }

  'conn.matches'(args: CommandArgs<'conn.matches'>, ctx?: CallContext): Promise<MatchList> {
    return this.captures.get(args.capture).matches(args.connId, args.dir, args.pattern, ctx?.signal)
  }

  'http.exchanges'(args: CommandArgs<'http.exchanges'>): Promise<ExchangePage> {
    return this.decoding.exchanges(this.captures.get(args.capture), args.connId, args.from, args.limit)
  }
  'ws.messages'(args: CommandArgs<'ws.messages'>): Promise<WsMessagePage> {
    return this.decoding.messages(this.captures.get(args.capture), args.connId, args.from, args.limit)
  }
  'http.body'(args: CommandArgs<'http.body'>, ctx?: CallContext): Promise<BodyPiece> {
    return this.decoding.body(this.captures.get(args.capture), args, ctx?.signal)
  }
  'ws.payload'(args: CommandArgs<'ws.payload'>): Promise<BodyPiece> {
    return this.decoding.wsPayload(this.captures.get(args.capture), args)
  }
  'exchange.page'(args: CommandArgs<'exchange.page'>, ctx?: CallContext): Promise<ExchangeListPage> {
    return this.decoding.exchangePage(this.captures.get(args.capture), args, ctx?.signal)
  }
  'capture.export'(args: CommandArgs<'capture.export'>, ctx?: CallContext): Promise<ExportResult> {
    return this.exports.run(this.captures.get(args.capture), args, ctx?.signal)
  }

  'replay.raw'(args: CommandArgs<'replay.raw'>, ctx?: CallContext): Promise<RawReplayResult> {
    return this.replay.raw(args, ctx)
  }
  'replay.http'(args: CommandArgs<'replay.http'>, ctx?: CallContext): Promise<HttpReplayOutcome> {
    return this.replay.http(args, ctx)
  }
  'replay.sequence'(args: CommandArgs<'replay.sequence'>, ctx?: CallContext): Promise<HttpSequenceResult> {
    return this.replay.sequence(args, ctx)
  }
  'replay.capture'(args: CommandArgs<'replay.capture'>, ctx?: CallContext): Promise<CaptureReplaySummary> {
    return this.replay.capture(args, ctx)
  }
  'replay.serve'(args: CommandArgs<'replay.serve'>): Promise<RecordedServerInfo> {
    return this.replay.serve(args)
  }
  'replay.servers'(): Promise<RecordedServerInfo[]> {
    return this.replay.servers()
  }
  'replay.stop'(args: CommandArgs<'replay.stop'>): Promise<RecordedClientReport[]> {
    return this.replay.stop(args)
  }

  async 'server.start'(args: CommandArgs<'server.start'>): Promise<ServerSessionInfo> {
    this.checkOpen()
    return this.sessions.startServer(args)
  }
  'server.stop'(args: CommandArgs<'server.stop'>): Promise<void> {
    return this.sessions.stopServer(args)
  }
  async 'server.restart'(args: CommandArgs<'server.restart'>): Promise<ServerSessionInfo> {
    this.checkOpen()
    return this.sessions.restartServer(args)
  }
  'server.interval'(args: CommandArgs<'server.interval'>): Promise<ServerSessionInfo> {
    return this.sessions.serverInterval(args)
  }
  'server.behaviour'(args: CommandArgs<'server.behaviour'>): Promise<ServerSessionInfo> {
    return this.sessions.setBehaviour(args)
  }
  'server.broadcast'(args: CommandArgs<'server.broadcast'>): Promise<{ clients: number; bytes: number }> {
    return this.sessions.broadcast(args)
  }
  async 'client.connect'(args: CommandArgs<'client.connect'>): Promise<ClientSessionInfo> {
    this.checkOpen()
    return this.sessions.connectClient(args)
  }
  async 'client.reconnect'(args: CommandArgs<'client.reconnect'>): Promise<ClientSessionInfo> {
    this.checkOpen()
    return this.sessions.reconnect(args)
  }
  'client.close'(args: CommandArgs<'client.close'>): Promise<void> {
    return this.sessions.closeClient(args)
  }
  async 'session.list'(): Promise<SessionInfo[]> {
    return this.sessions.list()
  }
  'payload.preview'(args: CommandArgs<'payload.preview'>): Promise<Uint8Array> {
    return buildPayload(args.payload)
  }
  'conn.send'(args: CommandArgs<'conn.send'>): Promise<{ bytes: number }> {
    return this.sessions.send(args)
  }
  async 'conn.end'(args: CommandArgs<'conn.end'>): Promise<void> {
    this.sessions.conn(args.connId).endOutput()
  }
  async 'conn.reset'(args: CommandArgs<'conn.reset'>): Promise<void> {
    this.sessions.conn(args.connId).reset()
  }
  async 'conn.destroy'(args: CommandArgs<'conn.destroy'>): Promise<void> {
    this.sessions.conn(args.connId).close()
  }
  async 'conn.resume'(args: CommandArgs<'conn.resume'>): Promise<void> {
    this.sessions.conn(args.connId).resume()
  }
  'conn.interval'(args: CommandArgs<'conn.interval'>): Promise<void> {
    return this.sessions.interval(args)
  }
  'conn.expect'(args: CommandArgs<'conn.expect'>, ctx?: CallContext): Promise<ExpectResult> {
    return this.sessions.expect(args, ctx?.signal)
  }
  'conn.sequence'(args: CommandArgs<'conn.sequence'>, ctx?: CallContext): Promise<SequenceResult> {
    return this.sessions.sequence(args, ctx?.signal)
  }

  private checkOpen(): void {
    if (this.closing) throw new UserError('the engine is shutting down', ERROR_CODES.ESTATE)
  }

  /** Stops every proxy, session and connection, closes opened files, then completes the capture file. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.proxies.values()].map((p) => p.stop(true)))
      await this.sessions.closeAll()
      await this.replay.close()
      await this.decoding.close()
      await this.captures.closeAll()
      await this.uploads.close()
      this.downloads.close()
      this.fdWarnings.flush()
      this.hub.flushAll()
      await this.capture.close()
    })()
    return this.closing
  }
}

/** An error about an uploaded file speaks of the name the user knows, not the engine's copy. */
function namedAfterUpload(err: unknown, stored: StoredUpload): unknown {
  if (!(err instanceof UserError) || !err.message.includes(stored.path)) return err
  return new UserError(err.message.split(stored.path).join(stored.name), err.code)
}

export type { EngineEvent }
