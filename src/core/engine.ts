// The engine, as a composition root: it builds the live capture's services (captures,
// decoding, proxies, sessions, replay, exports, files), wires their events into one hub,
// and takes each domain's part of the command table (src/shared/contract.ts) as its own
// members. Front ends (Electron IPC, web mode, the CLI) only call those.

import type { CaptureInfo } from '../shared/capture-types'
import type { EngineApi } from '../shared/contract'
import { ERROR_CODES } from '../shared/errors'
import type { EngineEvent, OperationProgress, Snapshot } from '../shared/events'
import { mergeCommandTables } from './command-table'
import { LiveCapture, type CaptureOptions } from './capture/write/live-capture'
import { HoldState } from './capture/write/hold-state'
import { Captures } from './capture/open-captures'
import { captureCommands, listCaptures } from './capture/capture-commands'
import { liveCaptureCommands } from './capture/live-capture-commands'
import { EventHub, type EventListener, type SubscribeOptions } from './events/event-hub'
import { FdBudget } from './net/fd-budget'
import { FdWarnings } from './net/fd-warnings'
import { UserError } from './net/net-errors'
import { Sessions } from './session/sessions'
import { sessionCommands } from './session/session-commands'
import { Proxies } from './proxy/proxy-commands'
import { toxicCommands } from './fault/toxic-commands'
import { ruleCommands } from './rules/rule-commands'
import { breakCommands } from './breakpoint/break-commands'
import { HeldQueue } from './breakpoint/held-queue'
import { connActionCommands } from './proxy/conn-action-commands'
import { Uploads, type UploadOptions } from './files/uploads'
import { Downloads } from './files/downloads'
import { fileCommands } from './files/file-commands'
import { SaveFolder } from './files/save-folder'
import { Decoding } from './decode/decoding'
import type { HostOptions } from './decode/decoder-host'
import { decodeCommands } from './decode/decode-commands'
import { messageCommands } from './decode/messages/message-commands'
import { withOwnerFraming } from './decode/messages/owner-framing'
import { grpcCommands } from './decode/grpc/grpc-commands'
import { ProtoSchemas } from './decode/grpc/proto-schemas'
import { Exports } from './export/exports'
import { exportCommands } from './export/export-commands'
import { ExportStreams } from './export/export-streams'
import { ReplayCommands, replayCommands } from './replay/replay-commands'
import { CaService, type CaSource } from './tls/ca-commands'
import { dataDir } from './tls/data-dir'
import { Interceptions, type InterceptOptions } from './intercept/interceptions'
import { CommandRuns } from './intercept/command-runs'
import { Setups } from './setup/setups'
import { SetupStore } from './setup/setup-store'
import { setFramingWorkerFile } from './script-framing/script-registry'

export interface EngineOptions extends CaptureOptions {
  /** Where the capture is written: a new file, or an existing one with `overwrite`. */
  capturePath: string
  /** Capture files a front end uploads (capture.upload.*): how big, and where they are kept. */
  uploads?: UploadOptions
  /** Where a save by a relative name goes until the first save (default: the user's home). */
  saveFolder?: string
  /**
   * Decode the live capture as it is recorded (default true). Off for an engine that only
   * reads capture files (the CLI's ls, export and replay): its decoder starts when asked.
   */
  liveDecoding?: boolean
  /**
   * Where its decoders run (default: the decode workers, where the build has them). A one-off
   * command reading a small file decodes on the engine's thread: starting a worker (Node's
   * own modules compiled again in the thread, about 100 ms of CPU) costs more than the file.
   */
  decoding?: HostOptions
  /**
   * Where tcpscope keeps its CA: the app passes Electron's userData; default dataDir()'s
   * folder. `TCPSCOPE_DATA_DIR` wins over both.
   */
  dataDir?: string
  /** The forwarding worker's built script (`--workers`), for tests that run the engine from source. */
  proxyWorkerFile?: string
  /** The built script worker (script-worker.cjs), where it is not beside the engine (tests run from source). */
  scriptWorkerFile?: string
  /** How intercepted browsers start (tests run them headless). */
  intercept?: InterceptOptions
  /**
   * Keep what runs as the last setup in the data folder as it changes, to offer at the next
   * start (the app and web mode; not one-off CLI commands, which would overwrite it).
   */
  keepLastSetup?: boolean
  /**
   * Parts of a stored setup that send a file's contents may start (default true). Web mode
   * without --allow-files says false, with `filesHint` for how to allow them.
   */
  setupFilePayloads?: { allowed: boolean; hint: string }
}

/**
 * The engine's commands as its own members (`engine['conn.read'](...)`), as every front end
 * calls them: the constructor puts the domains' merged table there.
 */
const CommandMembers = class {} as unknown as new () => EngineApi

export class Engine extends CommandMembers {
  private readonly hub = new EventHub()
  /** Protocol decoding of every open capture, in the decode worker when the build has one. */
  readonly decoding: Decoding
  private readonly captures: Captures
  private readonly proxies: Proxies
  private readonly interceptions: Interceptions
  private readonly commandRuns: CommandRuns
  private readonly sessions: Sessions
  private readonly replay: ReplayCommands
  private readonly uploads: Uploads
  private readonly downloads = new Downloads()
  private readonly exportStreams: ExportStreams
  private readonly hold = new HoldState()
  private readonly held: HeldQueue
  private readonly setups: Setups
  private readonly budget = FdBudget.forProcess()
  private readonly fdWarnings: FdWarnings
  private closing: Promise<void> | undefined
  private readonly caService: CaService
  /** tcpscope's CA, opened on first use and shared by everything that terminates TLS. */
  readonly ca: CaSource

  private constructor(
    readonly capture: LiveCapture,
    opts: EngineOptions
  ) {
    super()
    const hub = this.hub
    const emit = (e: EngineEvent): void => hub.emit(e)
    const capturesChanged = (): void => emit({ type: 'captures-updated', captures: this.captureList() })
    const checkOpen = (): void => this.checkOpen()
    this.decoding = new Decoding(opts.decoding ?? {}, capturesChanged)
    const decoding = this.decoding
    this.uploads = new Uploads(opts.uploads)
    // A file a front end uploaded names no `.ksy` or script of this host that the engine would then read.
    decoding.rawMessages.uploaded = (path) => this.uploads.holds(path)
    // `script:` framings run in the script worker, which tests that run the engine from source name.
    if (opts.scriptWorkerFile !== undefined) setFramingWorkerFile(opts.scriptWorkerFile)
    capture.setListener({
      get detailed() {
        return hub.detailed
      },
      data: (conn, dir, offset, chunk) => {
        hub.data(conn, dir, offset, chunk)
        decoding.changed(capture, conn)
      },
      event: (conn, event) => {
        // What is decoded so far rides along (a lookup): a connection's close shows its protocol.
        const protocol = decoding.summary(capture, conn.id)
        hub.connEvent(protocol ? { ...conn, protocol } : conn, event)
        decoding.changed(capture, conn.id)
      },
      pressure: (held) => this.hold.set(held),
      error: (message) => emit({ type: 'capture-error', message })
    })
    // Live decoding starts with the engine: every exchange is there when a front end asks.
    // (watch itself honours TCPSCOPE_DECODE=off, the bench's baseline.)
    if (opts.liveDecoding !== false) decoding.watch(capture)
    const captures = (this.captures = new Captures(capture, capturesChanged, new SaveFolder(opts.saveFolder)))
    const folder = dataDir(opts.dataDir)
    this.caService = new CaService(folder, captures.folder)
    this.ca = this.caService.ca
    const progress = (p: OperationProgress): void => emit({ type: 'progress', ...p })
    this.fdWarnings = new FdWarnings(this.budget.limit, (message) => emit({ type: 'warning', message }))
    const producers = { budget: this.budget, fdExhausted: this.fdWarnings.note, hold: this.hold }
    this.held = new HeldQueue((held) => emit({ type: 'held-updated', held }))
    // What a setup holds changed: the last setup is kept once things settle.
    const setupChanged = (e: EngineEvent): void => {
      emit(e)
      this.setups.changed()
    }
    this.proxies = new Proxies({
      proxy: { capture, ...producers, warn: (message) => emit({ type: 'warning', message }) },
      rules: {
        held: this.held,
        breaksChanged: (proxyId, rules) => setupChanged({ type: 'breaks-updated', proxyId, rules }),
        toxicsChanged: (proxyId, toxics) => setupChanged({ type: 'toxics-updated', proxyId, toxics }),
        trafficChanged: (proxyId, state) => setupChanged({ type: 'rules-updated', proxyId, state }),
        ...(opts.scriptWorkerFile !== undefined ? { scriptWorkerFile: opts.scriptWorkerFile } : {}),
        warn: (message) => emit({ type: 'warning', message }),
        framing: (connId, proxyId) => decoding.rawMessages.rules.of(capture.id, { id: connId, ownerId: proxyId }, true)?.spec
      },
      tls: { ca: this.ca },
      dataDir: folder,
      ...(opts.proxyWorkerFile !== undefined ? { workerFile: opts.proxyWorkerFile } : {}),
      checkOpen,
      started: (proxy) => setupChanged({ type: 'proxy-started', proxy }),
      stopped: (proxy) => setupChanged({ type: 'proxy-stopped', proxy }),
      removed: (proxy) => setupChanged({ type: 'proxy-removed', proxy })
    })
    this.interceptions = new Interceptions({
      ...opts.intercept,
      proxies: () => this.proxies.list(),
      // Ephemeral: the browser's proxy goes with it, and is no part of a setup.
      startProxy: () => this.proxies.commands['proxy.start']({ listen: '127.0.0.1:0', forward: {}, ephemeral: true }),
      // The browser is gone: what its connections still carry has no one to go to, and the
      // proxy started for it goes too (Interceptions removes only the proxies it started).
      removeProxy: (proxyId) => this.proxies.commands['proxy.remove']({ proxyId }),
      caInfo: async () => (await this.ca()).info(),
      updated: (browser) => emit({ type: 'browser-updated', browser }),
      warn: (message) => emit({ type: 'warning', message }),
      checkOpen
    })
    this.commandRuns = new CommandRuns({
      // A proxy of its own, ephemeral as a browser's: the connections it owns are the program's.
      startProxy: (intercept) => this.proxies.commands['proxy.start']({ listen: '127.0.0.1:0', forward: { intercept }, ephemeral: true }),
      proxy: (id) => this.proxies.list().find((p) => p.id === id),
      removeProxy: (proxyId) => this.proxies.commands['proxy.remove']({ proxyId }),
      caPath: async () => (await this.ca()).info().certPath,
      updated: (command) => emit({ type: 'command-updated', command }),
      output: (chunk) => emit({ type: 'command-output', ...chunk }),
      warn: (message) => emit({ type: 'warning', message }),
      checkOpen
    })
    this.sessions = new Sessions(capture, {
      updated: (session) => setupChanged({ type: 'session-updated', session }),
      rulesChanged: (proxyId, state) => emit({ type: 'rules-updated', proxyId, state }),
      ...(opts.scriptWorkerFile !== undefined ? { scriptWorkerFile: opts.scriptWorkerFile } : {}),
      warn: (message) => emit({ type: 'warning', message }),
      ...producers,
      ca: this.ca
    })
    this.setups = new Setups({
      store: new SetupStore(folder, (message) => emit({ type: 'warning', message })),
      api: () => this,
      // A proxy's framing ("decode as" for all its connections) is part of it, as --frame is.
      proxies: () =>
        this.proxies.settings().map((p) => {
          const frame = decoding.rawMessages.ownerFraming(p.id)
          return frame ? { ...p, start: { ...p.start, frame } } : p
        }),
      rulesOf: (proxyId) => ({ toxics: this.proxies.toxics(proxyId).list(), breaks: this.proxies.breaks(proxyId).list(), traffic: this.proxies.traffic(proxyId).state() }),
      sessions: () => this.sessions.settings(),
      keepLast: opts.keepLastSetup ?? false,
      filePayloads: opts.setupFilePayloads?.allowed ?? true,
      filesHint: opts.setupFilePayloads?.hint ?? '',
      warn: (message) => emit({ type: 'warning', message })
    })
    this.replay = new ReplayCommands({
      capture,
      captures,
      decoding,
      hold: this.hold,
      budget: this.budget,
      checkOpen,
      progress,
      clientDone: (server, report) => emit({ type: 'recorded-client', server, report }),
      ca: this.ca
    })
    const exports = new Exports({ decoding, downloads: this.downloads, folder: captures.folder, progress })
    this.exportStreams = new ExportStreams({ decoding, progress })
    const captureTable = captureCommands({ captures, protocols: decoding, closed: (path) => this.uploads.discard(path) })
    Object.assign(
      this,
      withOwnerFraming(
        mergeCommandTables({
          captures: captureTable,
          'live capture': liveCaptureCommands({ live: capture, captures, downloads: this.downloads, checkOpen }),
          files: fileCommands({
            uploads: this.uploads,
            downloads: this.downloads,
            open: (path, ctx) => captureTable['capture.open']({ path }, ctx),
            downloaded: (changes) => captures.markSaved(changes),
            checkOpen
          }),
          proxies: this.proxies.commands,
          faults: toxicCommands((proxyId) => this.proxies.toxics(proxyId)),
          // A proxy's rules, or a server session's (`serve --rules`, a mock server with no target).
          rules: ruleCommands((id) => this.sessions.trafficOf(id) ?? this.proxies.traffic(id), { captures, decoding, messages: decoding.rawMessages }),
          breakpoints: breakCommands({ breaksOf: (id) => this.proxies.breaks(id), breaksIfAny: (id) => this.proxies.breaksIfAny(id), held: this.held }),
          'connection actions': connActionCommands((connId) => this.proxies.connection(connId)),
          interception: this.interceptions.commands,
          commands: this.commandRuns.commands,
          sessions: sessionCommands(this.sessions, checkOpen),
          decoding: decodeCommands(captures, decoding),
          messages: messageCommands(captures, decoding.rawMessages),
          grpc: grpcCommands(captures, decoding, new ProtoSchemas()),
          exports: exportCommands(captures, exports, this.exportStreams),
          replay: replayCommands(this.replay),
          'certificate authority': this.caService.commands,
          setups: this.setups.commands
        }),
        decoding.rawMessages
      )
    )
  }

  /** Creates the capture file and the engine recording into it; errors are one-line UserErrors. */
  static async create(opts: EngineOptions): Promise<Engine> {
    return new Engine(await LiveCapture.create(opts.capturePath, opts), opts)
  }

  /** Subscribes to engine events; the first event is a snapshot of the current state. */
  subscribe(listener: EventListener, opts?: SubscribeOptions): () => void {
    return this.hub.subscribe(listener, () => this.snapshot(), opts)
  }

  snapshot(): Snapshot {
    const { breaks, toxics } = this.proxies.ruleLists()
    return {
      type: 'snapshot',
      proxies: this.proxies.list(),
      sessions: this.sessions.list(),
      captures: this.captureList(),
      browsers: this.interceptions.list(),
      commands: this.commandRuns.list(),
      output: this.commandRuns.outputs(),
      held: this.held.list(),
      breaks,
      toxics
    }
  }

  /** Every open capture as it is now: the live one first. */
  captureList(): CaptureInfo[] {
    return listCaptures({ captures: this.captures, protocols: this.decoding })
  }

  private checkOpen(): void {
    if (this.closing) throw new UserError('the engine is shutting down', ERROR_CODES.ESTATE)
  }

  /** Stops every proxy, session and connection, closes opened files, then completes the capture file. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // The last setup is what ran until now, before closing stops it all.
      await this.setups.close()
      // Browsers first: each stops the proxy started for it, and removes its profile.
      await this.interceptions.close()
      await this.commandRuns.close()
      // Held messages go on unchanged before their connections close.
      this.held.releaseAll()
      await this.proxies.close()
      await this.sessions.closeAll()
      await this.replay.close()
      this.exportStreams.close()
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

export type { EngineEvent }
