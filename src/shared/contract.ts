// The one contract between the engine and every front end (Electron IPC, web mode, CLI):
// each command's name, argument schema (the type and the runtime check) and result type.
// Command names travel in the envelope (wire.ts); nothing else may spell them.

import type { ActivityPage, CaptureEvent, CaptureInfo, ConnectionPage, ConnectionSummary, Direction, MatchList, EventPage, SavedCapture, SearchResult, TurnPage } from './capture-types'
import type { BodyPiece, ExchangeListPage, ExchangePage, ExportResult, H2FramePage, WsMessagePage } from './protocol-types'
import type { FrontEvent, ProxyInfo } from './events'
import { none, type Infer, type Schema } from './schema'
import type { PayloadSpec } from './payload/payload-spec'
import type { CaptureReplaySummary, HttpReplayOutcome, HttpSequenceResult, MessageReplayResult, RawReplayResult, RecordedClientReport, RecordedServerInfo } from './replay-types'
import { proxyRef, proxyStartArgs, proxyStopArgs, type ProxyStartArgs } from './proxy-args'
import { captureRef, downloadReadArgs, downloadRef, openArgs, saveArgs, uploadBeginArgs, uploadChunkArgs, uploadRef, type DownloadStart } from './capture-args'
import { activityArgs, deliveredMapArgs, deliveredReadArgs, getArgs, locateArgs, matchesArgs, pageArgs, readBytesArgs, readEventsArgs, searchArgs, turnsArgs } from './conn-args'
import type { DeliveredStreamMap } from './delivered-stream-types'
import { bodyArgs, decodedPageArgs, deliveredArgs, exchangePageArgs, exchangesArgs, h2FramesArgs, wsPayloadArgs } from './decode-args'
import type { DeliveredExchangePage, DeliveredFactsPage, DeliveredMessageFactsPage, DeliveredMessagePage, DeliveredMessageView, DeliveredView } from './delivered-types'
import { grpcMessagesArgs, grpcProtosLoadArgs } from './grpc-args'
import { frameSetArgs, messageChangesArgs, messageDeliveredArgs, messagePageArgs } from './message-args'
import type { MessagePage } from './message-types'
import type { GrpcMessagePage, GrpcProtoSet } from './grpc-types'
import { exportArgs, exportReadArgs, exportStreamArgs, exportStreamRef, type ExportStreamStart } from './export-args'
import { replayCaptureArgs, replayHttpArgs, replayMessagesArgs, replayRawArgs, replaySendArgs, replaySequenceArgs, replayServeArgs, replayStopArgs } from './replay-args'
import {
  breakAddArgs,
  breakListArgs,
  breakRemoveArgs,
  breakUpdateArgs,
  connInjectArgs,
  connPauseArgs,
  connShutArgs,
  heldCloseArgs,
  heldForwardAllArgs,
  heldForwardArgs,
  heldRef,
  type BreakRule,
  type HeldMessage,
  type HeldOutcome
} from './break-types'
import type { RuleSpec } from './rules/rule-types'
import { rulesFromArgs, scriptLoadArgs, rulesCheckArgs, rulesEnableArgs, rulesLoadArgs, rulesRef, rulesSetArgs, type RulesState } from './rules/rule-args'
import { toxicAddArgs, toxicListArgs, toxicRemoveArgs, toxicUpdateArgs, type Toxic } from './fault-types'
import { caExportArgs, caRegenerateArgs, interceptBrowserArgs, interceptStopArgs } from './tls-args'
import type { BrowserInfo, CaExport, InterceptedBrowser, InterceptedCommand } from './intercept-types'
import { interceptCommandArgs, interceptCommandRef } from './intercept-args'
import type { CaInfo, TrustBundle } from './tls-types'
import { setupApplyArgs, setupDuplicateArgs, setupImportArgs, setupRef, setupSaveArgs, type LastSetup, type Setup, type SetupEntry, type SetupOutcome } from './setup-types'
import { uiStateArgs } from './ui-state'
import { behaviourArgs, broadcastArgs, clientRef, connRef, intervalArgs, payloadPreviewArgs, sendArgs, serverIntervalArgs, serverRef, serverStopArgs } from './session-args'
import {
  clientConnectArgs,
  expectArgs,
  sequenceArgs,
  serverStartArgs,
  type ClientConnectArgs,
  type ClientSessionInfo,
  type ExpectArgs,
  type ExpectResult,
  type SequenceResult,
  type ServerSessionInfo,
  type ServerStartArgs,
  type SessionInfo
} from './session-types'

// What front ends import with the contract; each is defined beside its domain's schemas.
export { MAX_HTTP_REPLAY_CONCURRENCY, MAX_HTTP_REPLAY_COUNT } from './replay-args'
export { MAX_PAGE } from './limits'
export type { DownloadStart } from './capture-args'
export { MAX_ACTIVITY_BUCKETS, type SearchPattern } from './conn-args'
export type { ProxyStartArgs } from './proxy-args'

/**
 * How a command may touch the engine host's files, so a front end's policy can allow or
 * refuse it by name (a browser's page may not read the host's files unless asked for):
 * - `none`: never;
 * - `payload-files`: a payload of kind `file` in its arguments is read and sent;
 * - `reads-path`: it opens the file its arguments name;
 * - `writes-path`: it writes the file its arguments name;
 * - `runs-program`: it runs a program of the host (as the host's user, with its files), a
 *   privilege of its own beyond any file access.
 */
export type FileAccess = 'none' | 'payload-files' | 'reads-path' | 'writes-path' | 'runs-program'

interface CommandSpec<A, R> {
  args: Schema<A>
  /** Phantom: the result type, carried for the derived API type only. */
  result?: R
  /** Long commands a caller may cancel. */
  cancellable?: boolean
  /** Absent: `none`. */
  files?: FileAccess
}

/** True when a value of type T can hold a PayloadSpec anywhere inside. */
type CarriesPayload<T> = [T] extends [PayloadSpec]
  ? true
  : T extends readonly (infer E)[]
    ? CarriesPayload<E>
    : T extends Uint8Array
      ? false
      : T extends object
        ? true extends { [K in keyof T]-?: CarriesPayload<NonNullable<T[K]>> }[keyof T]
          ? true
          : false
        : false

interface CommandOptions {
  cancellable?: boolean
  files?: FileAccess
}
/** A command whose arguments can carry a payload must say so: forgetting would let a file payload past a policy. */
type OptionsFor<A> = true extends CarriesPayload<A> ? [opts: CommandOptions & { files: 'payload-files' }] : [opts?: CommandOptions & { files?: Exclude<FileAccess, 'payload-files'> }]
const command = <A, R>(args: Schema<A>, ...[opts]: OptionsFor<A>): CommandSpec<A, R> => ({ args, ...opts })

export const commands = {
  'proxy.start': command<ProxyStartArgs, ProxyInfo>(proxyStartArgs),
  'proxy.stop': command<Infer<typeof proxyStopArgs>, void>(proxyStopArgs),
  /** Listens again after a stop, with the same id, address and target. */
  'proxy.restart': command<Infer<typeof proxyRef>, ProxyInfo>(proxyRef),
  'proxy.list': command<void, ProxyInfo[]>(none()),
  /** Stops a proxy, closes its connections and forgets it and its rules (its recorded connections stay). */
  'proxy.remove': command<Infer<typeof proxyRef>, void>(proxyRef),

  /** A proxy's toxics (fault injection), in the order they apply. */
  'toxic.list': command<Infer<typeof toxicListArgs>, Toxic[]>(toxicListArgs),
  /** Adds a toxic; it applies to new connections and to the open ones. */
  'toxic.add': command<Infer<typeof toxicAddArgs>, Toxic>(toxicAddArgs),
  'toxic.update': command<Infer<typeof toxicUpdateArgs>, Toxic>(toxicUpdateArgs),
  'toxic.remove': command<Infer<typeof toxicRemoveArgs>, void>(toxicRemoveArgs),

  /** A proxy's traffic rules (mock, rewrite, forward, fail), in the order they are tried, with what each has done. */
  'rules.list': command<Infer<typeof rulesRef>, RulesState>(rulesRef),
  /** Replaces a proxy's rules with this list (checked whole: one bad rule changes nothing). */
  'rules.set': command<Infer<typeof rulesSetArgs>, RulesState>(rulesSetArgs),
  /** Loads a rules file (JSON or YAML) on the engine's host, and reloads it on every save unless `watch` is false. */
  'rules.load': command<Infer<typeof rulesLoadArgs>, RulesState>(rulesLoadArgs, { files: 'reads-path' }),
  'rules.enable': command<Infer<typeof rulesEnableArgs>, RulesState>(rulesEnableArgs),
  /** Loads a script of hooks for a proxy's traffic (replacing the one it had); it reloads on every save. */
  'script.load': command<Infer<typeof scriptLoadArgs>, RulesState>(scriptLoadArgs, { files: 'reads-path' }),
  /** Reads the proxy's script file again now. */
  'script.reload': command<Infer<typeof rulesRef>, RulesState>(rulesRef),
  /** Stops the proxy's script: its traffic passes as the rules leave it. */
  'script.unload': command<Infer<typeof rulesRef>, RulesState>(rulesRef),
  /** A rule that matches a recorded exchange's request and answers with its recorded response ("Mock this response"). */
  'rules.from': command<Infer<typeof rulesFromArgs>, RuleSpec>(rulesFromArgs),
  /** Reads and checks a rules file without using it: its rules as they would be listed, or its one-line error. */
  'rules.check': command<Infer<typeof rulesCheckArgs>, RulesState>(rulesCheckArgs, { files: 'reads-path' }),

  /** A proxy's breakpoints, in the order they are tried (the first that matches holds). */
  'break.list': command<Infer<typeof breakListArgs>, BreakRule[]>(breakListArgs),
  /** Adds a breakpoint; it applies to new connections and to the open ones. */
  'break.add': command<Infer<typeof breakAddArgs>, BreakRule>(breakAddArgs),
  'break.update': command<Infer<typeof breakUpdateArgs>, BreakRule>(breakUpdateArgs),
  'break.remove': command<Infer<typeof breakRemoveArgs>, void>(breakRemoveArgs),
  /** Every message breakpoints hold now, oldest first. */
  'held.list': command<void, HeldMessage[]>(none()),
  /** A held message's bytes, as they came. */
  'held.read': command<Infer<typeof heldRef>, Uint8Array>(heldRef),
  /** Keeps holding a message someone is still editing: its timeout starts again, as long as its rule gave it. */
  'held.keep': command<Infer<typeof heldRef>, HeldMessage>(heldRef),
  /** Lets a held message go, as it came or edited. */
  'held.forward': command<Infer<typeof heldForwardArgs>, HeldOutcome>(heldForwardArgs),
  /** Drops a held message: an HTTP/2 one's stream is reset, an HTTP/1 one's connection (RST); a chunk or framed message is only not sent. */
  'held.drop': command<Infer<typeof heldRef>, HeldOutcome>(heldRef),
  /** Closes the held message's connection (FIN or RST to both sides); the message is dropped. */
  'held.close': command<Infer<typeof heldCloseArgs>, HeldOutcome>(heldCloseArgs),
  'held.forwardAll': command<Infer<typeof heldForwardAllArgs>, { forwarded: number }>(heldForwardAllArgs),

  /** One-click actions on a live proxied connection: pause a direction, inject bytes, FIN or RST a side. */
  'conn.pause': command<Infer<typeof connPauseArgs>, void>(connPauseArgs),
  'conn.inject': command<Infer<typeof connInjectArgs>, { bytes: number }>(connInjectArgs, { files: 'payload-files' }),
  'conn.shut': command<Infer<typeof connShutArgs>, void>(connShutArgs),

  /** What runs now (proxies with their breakpoints and toxics, servers, clients) as a setup document. */
  'setup.current': command<void, Setup>(none()),
  /** The named setups kept in the data folder, by name. */
  'setup.list': command<void, SetupEntry[]>(none()),
  'setup.read': command<Infer<typeof setupRef>, Setup>(setupRef),
  /** Saves what runs now under a name ("Save as"); an existing name needs `overwrite`. */
  'setup.save': command<Infer<typeof setupSaveArgs>, SetupEntry>(setupSaveArgs),
  /** Keeps a setup document (an imported file) under a name, once every field checks out. */
  'setup.import': command<Infer<typeof setupImportArgs>, SetupEntry>(setupImportArgs, { files: 'payload-files' }),
  'setup.duplicate': command<Infer<typeof setupDuplicateArgs>, SetupEntry>(setupDuplicateArgs),
  'setup.delete': command<Infer<typeof setupRef>, void>(setupRef),
  /** Starts everything a named setup has, beside what runs; each part that fails is reported, the rest start. */
  'setup.open': command<Infer<typeof setupRef>, SetupOutcome>(setupRef),
  /** Starts everything a setup document has (`tcpscope up FILE`), after checking every field. */
  'setup.apply': command<Infer<typeof setupApplyArgs>, SetupOutcome>(setupApplyArgs, { files: 'payload-files' }),
  /** What ran when the app last ran something (kept as it goes), or null; to offer at the next start. */
  'setup.last': command<void, LastSetup | null>(none()),
  /** Starts the last setup (setup.last). */
  'setup.restore': command<void, SetupOutcome>(none()),
  /** The window's layout and recent files as the front end last stored them (opaque JSON text), or null. */
  'ui.state.get': command<void, string | null>(none()),
  'ui.state.set': command<Infer<typeof uiStateArgs>, void>(uiStateArgs),

  /** tcpscope's CA (made on first use), as the CA panel shows it. */
  'ca.info': command<void, CaInfo>(none()),
  /** Writes tcpscope's CA and the system's roots as one PEM file beside the CA (what `tcpscope env` points SSL_CERT_FILE and the like at). */
  'ca.bundle': command<void, TrustBundle>(none()),
  /** The CA's certificate (never its key): to a path on the engine's host, or returned. */
  'ca.export': command<Infer<typeof caExportArgs>, CaExport>(caExportArgs, { files: 'writes-path' }),
  /** A new CA (and key): every trust given to the old one is gone. */
  'ca.regenerate': command<Infer<typeof caRegenerateArgs>, CaInfo>(caRegenerateArgs),
  /** The browsers this machine has that tcpscope can start intercepted. */
  'intercept.browsers': command<void, BrowserInfo[]>(none()),
  /** Starts a browser in a fresh profile, through a forward proxy (the running one, or a new one), trusting the CA. */
  'intercept.browser': command<Infer<typeof interceptBrowserArgs>, InterceptedBrowser>(interceptBrowserArgs),
  'intercept.stop': command<Infer<typeof interceptStopArgs>, void>(interceptStopArgs),
  /** Runs a program (argv, no shell) as `tcpscope run` does: every TCP connection it opens through a forward proxy started for it. */
  'intercept.command': command<Infer<typeof interceptCommandArgs>, InterceptedCommand>(interceptCommandArgs, { files: 'runs-program' }),
  /** Stops a command (SIGTERM, then SIGKILL after a grace); resolves once it exited, with how. */
  'intercept.command.stop': command<Infer<typeof interceptCommandRef>, InterceptedCommand>(interceptCommandRef),
  /** Forgets a command and its output, stopping it first if it runs. */
  'intercept.command.remove': command<Infer<typeof interceptCommandRef>, void>(interceptCommandRef),

  /** The live capture and every capture file opened read-only. */
  'capture.list': command<void, CaptureInfo[]>(none()),
  'capture.info': command<Infer<typeof captureRef>, CaptureInfo>(captureRef),
  /** Opens a capture file read-only, beside the live one; a big file without a stored index takes a while. */
  'capture.open': command<Infer<typeof openArgs>, CaptureInfo>(openArgs, { cancellable: true, files: 'reads-path' }),
  'capture.close': command<Infer<typeof captureRef>, void>(captureRef),
  /** Writes a consistent copy of the live capture, as it is now, as a complete capture file. */
  'capture.save': command<Infer<typeof saveArgs>, SavedCapture>(saveArgs, { cancellable: true, files: 'writes-path' }),

  /**
   * Uploads a capture file from a front end that cannot name a path on the engine's host
   * (a browser): begin, the bytes in chunks, then end, which opens it like capture.open.
   * The engine keeps uploads in a folder of its own and removes each when its capture closes.
   */
  'capture.upload.begin': command<Infer<typeof uploadBeginArgs>, { upload: string }>(uploadBeginArgs),
  'capture.upload.chunk': command<Infer<typeof uploadChunkArgs>, { received: number }>(uploadChunkArgs),
  'capture.upload.end': command<Infer<typeof uploadRef>, CaptureInfo>(uploadRef, { cancellable: true }),
  /** Drops an unfinished upload and its bytes. */
  'capture.upload.cancel': command<Infer<typeof uploadRef>, void>(uploadRef),
  /**
   * Downloads a copy of the live capture to a front end that cannot name a path on the
   * engine's host (a browser): begin fixes a consistent copy of that moment (as capture.save
   * writes), read takes it in pieces, end lets it go (and counts as a save once every byte was read).
   */
  'capture.download.begin': command<void, DownloadStart>(none()),
  'capture.download.read': command<Infer<typeof downloadReadArgs>, Uint8Array>(downloadReadArgs),
  'capture.download.end': command<Infer<typeof downloadRef>, void>(downloadRef),

  /**
   * A page of a capture's connections, filtered and sorted. A `text:` word reads payloads a
   * slice per call: the answer's `scan` says how far it got, and the caller asks again.
   */
  'conn.page': command<Infer<typeof pageArgs>, ConnectionPage>(pageArgs, { cancellable: true }),
  /** Summaries by id; ids the capture does not have are left out. */
  'conn.get': command<Infer<typeof getArgs>, ConnectionSummary[]>(getArgs),
  'conn.read': command<Infer<typeof readBytesArgs>, Uint8Array>(readBytesArgs),
  /**
   * One direction as its receiver got it, after tcpscope's rules: its size, and the spans a
   * rule or the script replaced, removed or put in (`conn.delivered.read` reads it).
   */
  'conn.delivered': command<Infer<typeof deliveredMapArgs>, DeliveredStreamMap>(deliveredMapArgs),
  /** Bytes of that stream, by its own offsets (at most MAX_READ a read, as conn.read). */
  'conn.delivered.read': command<Infer<typeof deliveredReadArgs>, Uint8Array>(deliveredReadArgs),
  'conn.events': command<Infer<typeof readEventsArgs>, EventPage>(readEventsArgs),
  /**
   * Bytes each way over time of some connections, counted in `buckets` slices of a window
   * (the timeline's bars); ids the capture does not have are left out. Its cost is bounded:
   * a long connection is sampled, and says so (`exact: false`).
   */
  'conn.activity': command<Infer<typeof activityArgs>, ActivityPage>(activityArgs),
  /** A slice of a connection's turns: consecutive data of one side merged, marks (FIN, RST, close) between. */
  'conn.turns': command<Infer<typeof turnsArgs>, TurnPage>(turnsArgs),
  /** The index of the event holding byte `offset` of `dir`, to show it in the event list. */
  'conn.locate': command<Infer<typeof locateArgs>, { index: number }>(locateArgs),
  /** Finds a pattern in one direction's bytes, from `from` forward or backward. */
  'conn.search': command<Infer<typeof searchArgs>, SearchResult>(searchArgs, { cancellable: true }),
  /** Every match of a pattern in one direction, as find-next would find them one by one (at most 10,000). */
  'conn.matches': command<Infer<typeof matchesArgs>, MatchList>(matchesArgs, { cancellable: true }),

  /** A slice of a connection's HTTP/1.x and HTTP/2 exchanges as decoded from its bytes (decoding catches up first). */
  'http.exchanges': command<Infer<typeof exchangesArgs>, ExchangePage>(exchangesArgs),
  /** A slice of a connection's WebSocket messages, after its upgrade. */
  'ws.messages': command<Infer<typeof decodedPageArgs>, WsMessagePage>(decodedPageArgs),
  /** A piece of a request's or response's body as content: de-chunked, and decoded unless `decode: false`. */
  'http.body': command<Infer<typeof bodyArgs>, BodyPiece>(bodyArgs, { cancellable: true }),
  /** An exchange as its receivers got it, where a traffic rule or the script changed it (read from its `rule` records). */
  'http.delivered': command<Infer<typeof deliveredArgs>, DeliveredView>(deliveredArgs, { cancellable: true }),
  /**
   * A page of a connection's exchanges' changes: http.delivered's notes and which sides a rule
   * or the script changed, no content read; the connection's records walked once a page. A
   * request tcpscope answered in the target's place comes with that answer (`answered`: the
   * exchange as sent with it as its response, as `tcpscope show` and the HAR export print it).
   */
  'http.changes': command<Infer<typeof decodedPageArgs>, DeliveredFactsPage>(decodedPageArgs, { cancellable: true }),
  /**
   * http.changes's page with each exchange a rule changed a side of as its receivers got it
   * (its messages' heads; bodies by http.delivered.body): `tcpscope show --as delivered`.
   */
  'http.delivered.page': command<Infer<typeof decodedPageArgs>, DeliveredExchangePage>(decodedPageArgs, { cancellable: true }),
  /** A piece of a request's or response's body as its receiver got it, through the body pipeline as http.body reads the sent one (the sent one where nothing changed it). */
  'http.delivered.body': command<Infer<typeof bodyArgs>, BodyPiece>(bodyArgs, { cancellable: true }),
  /** A slice of an HTTP/2 connection's frames, as on the wire (optionally one stream's): the Frames view. */
  'h2.frames': command<Infer<typeof h2FramesArgs>, H2FramePage>(h2FramesArgs, { cancellable: true }),
  /** A piece of a WebSocket message's payload: unmasked, joined across frames, inflated. */
  'ws.payload': command<Infer<typeof wsPayloadArgs>, BodyPiece>(wsPayloadArgs),
  /** A page of every HTTP exchange in a capture, filtered and sorted; `scan` says while decoding goes on. */
  'exchange.page': command<Infer<typeof exchangePageArgs>, ExchangeListPage>(exchangePageArgs, { cancellable: true }),
  /**
   * A page of one side of a gRPC or gRPC-Web call (an exchange): the call's method and status,
   * and each length-prefixed message inflated and decoded as protobuf fields (named when
   * grpc.protos.load loaded its method). Fewer than `limit` come back when their size or
   * fields fill the page: ask again from `from + messages.length`.
   */
  'grpc.messages': command<Infer<typeof grpcMessagesArgs>, GrpcMessagePage>(grpcMessagesArgs, { cancellable: true }),
  /**
   * A page of a raw connection's messages: cut by the framing chosen for it (frame.set), its
   * owner's rule, or the protocol its bytes or port say (redis, PostgreSQL, MQTT, ...), each
   * with its range and summary, and its field tree with `fields`.
   */
  'msg.page': command<Infer<typeof messagePageArgs>, MessagePage>(messagePageArgs, { cancellable: true }),
  /** One message as its receiver got it, where a traffic rule or the script acted on it (read from its `rule` records). */
  'msg.delivered': command<Infer<typeof messageDeliveredArgs>, DeliveredMessageView>(messageDeliveredArgs),
  /** A page of a raw connection's messages' changes: msg.delivered without what was delivered, the framing and index looked up once a page. */
  'msg.changes': command<Infer<typeof messageChangesArgs>, DeliveredMessageFactsPage>(messageChangesArgs),
  /** msg.changes's page with what was delivered read, as msg.delivered reads it, for each message a rule rewrote or answered: `tcpscope show --as delivered`. */
  'msg.delivered.page': command<Infer<typeof messageChangesArgs>, DeliveredMessagePage>(messageChangesArgs),
  /** "Decode as": the framing of a connection (and, with `owner`, of its proxy's or session's connections in the capture). */
  'frame.set': command<Infer<typeof frameSetArgs>, { framing: string }>(frameSetArgs),
  /** Loads .proto files (and their imports) in place of those loaded before; gRPC fields are named by them from then on. */
  'grpc.protos.load': command<Infer<typeof grpcProtosLoadArgs>, GrpcProtoSet>(grpcProtosLoadArgs, { files: 'reads-path' }),
  /** The .proto files loaded now, and their methods. */
  'grpc.protos': command<void, GrpcProtoSet>(none()),
  /** HAR, pcapng or a curl command of a capture (or some of its connections), to a path or as a download. */
  'capture.export': command<Infer<typeof exportArgs>, ExportResult>(exportArgs, { cancellable: true, files: 'writes-path' }),
  /**
   * An export read in pieces as it is made (to standard output, or a front end's own file):
   * begin plans it, each read gives the next bytes (none: the end), end stops it or lets a
   * finished one go. Nothing is written on the engine's host; one nobody reads for a minute ends.
   */
  'capture.export.begin': command<Infer<typeof exportStreamArgs>, ExportStreamStart>(exportStreamArgs, { cancellable: true }),
  'capture.export.read': command<Infer<typeof exportReadArgs>, Uint8Array>(exportReadArgs, { cancellable: true }),
  'capture.export.end': command<Infer<typeof exportStreamRef>, void>(exportStreamRef),
  /** Sends a captured connection's client side again (recorded in the live capture) and compares the answers turn by turn. */
  'replay.raw': command<Infer<typeof replayRawArgs>, RawReplayResult>(replayRawArgs, { cancellable: true }),
  /** Sends a raw connection's client messages one at a time (cut by its framing), each once the answers recorded after it came, and compares the answers message by message. */
  'replay.messages': command<Infer<typeof replayMessagesArgs>, MessageReplayResult>(replayMessagesArgs, { cancellable: true }),
  /** Sends a captured HTTP request again (recorded in the live capture), maybe many times, and compares each response with the recorded one. */
  'replay.http': command<Infer<typeof replayHttpArgs>, HttpReplayOutcome>(replayHttpArgs, { cancellable: true }),
  /** Sends an HTTP/1.1 or HTTP/2 request composed from scratch (method, URL, headers, body) once, recorded in the live capture as a replay is, and returns its response. */
  'replay.send': command<Infer<typeof replaySendArgs>, HttpReplayOutcome>(replaySendArgs, { cancellable: true }),
  /** Sends several captured HTTP requests in order on one keep-alive connection (recorded in the live capture), each compared with its recorded response. */
  'replay.sequence': command<Infer<typeof replaySequenceArgs>, HttpSequenceResult>(replaySequenceArgs, { cancellable: true }),
  /** Replays every connection of a capture (or those a filter picks) against a target, as a regression check: which answers differ from the recording. */
  'replay.capture': command<Infer<typeof replayCaptureArgs>, CaptureReplaySummary>(replayCaptureArgs, { cancellable: true }),
  /** The recorded servers running (replay.serve), with how many clients each has had. */
  'replay.servers': command<void, RecordedServerInfo[]>(none()),
  /** Listens and plays a connection's server turns to every client that connects. */
  'replay.serve': command<Infer<typeof replayServeArgs>, RecordedServerInfo>(replayServeArgs),
  /** Stops a recorded server and closes its clients; the reports of its last clients (at most 1000). */
  'replay.stop': command<Infer<typeof replayStopArgs>, RecordedClientReport[]>(replayStopArgs),

  'server.start': command<ServerStartArgs, ServerSessionInfo>(serverStartArgs, { files: 'payload-files' }),
  'server.stop': command<Infer<typeof serverStopArgs>, void>(serverStopArgs),
  /** Listens again after a stop, with the same id, address, settings and behaviour. */
  'server.restart': command<Infer<typeof serverRef>, ServerSessionInfo>(serverRef),
  /** Sends to every open client on a timer (the composer's), apart from the behaviour's interval; omit everyMs to stop it. */
  'server.interval': command<Infer<typeof serverIntervalArgs>, ServerSessionInfo>(serverIntervalArgs, { files: 'payload-files' }),
  'server.behaviour': command<Infer<typeof behaviourArgs>, ServerSessionInfo>(behaviourArgs, { files: 'payload-files' }),
  /** Sends to every client of the server; returns how many got it. */
  'server.broadcast': command<Infer<typeof broadcastArgs>, { clients: number; bytes: number }>(broadcastArgs, { files: 'payload-files' }),
  'client.connect': command<ClientConnectArgs, ClientSessionInfo>(clientConnectArgs, { files: 'payload-files' }),
  'client.reconnect': command<Infer<typeof clientRef>, ClientSessionInfo>(clientRef),
  'client.close': command<Infer<typeof clientRef>, void>(clientRef),
  'session.list': command<void, SessionInfo[]>(none()),
  /** The exact bytes a payload makes (to preview it, or to check it before connecting). */
  'payload.preview': command<Infer<typeof payloadPreviewArgs>, Uint8Array>(payloadPreviewArgs, { files: 'payload-files' }),

  /** Commands on one live session connection (a server's client, or a client session). */
  'conn.send': command<Infer<typeof sendArgs>, { bytes: number }>(sendArgs, { files: 'payload-files' }),
  'conn.end': command<Infer<typeof connRef>, void>(connRef),
  'conn.reset': command<Infer<typeof connRef>, void>(connRef),
  'conn.destroy': command<Infer<typeof connRef>, void>(connRef),
  'conn.resume': command<Infer<typeof connRef>, void>(connRef),
  'conn.interval': command<Infer<typeof intervalArgs>, void>(intervalArgs, { files: 'payload-files' }),
  'conn.expect': command<ExpectArgs, ExpectResult>(expectArgs, { cancellable: true }),
  'conn.sequence': command<Infer<typeof sequenceArgs>, SequenceResult>(sequenceArgs, { cancellable: true, files: 'payload-files' })
} as const

export type Commands = typeof commands
export type CommandName = keyof Commands
export type CommandArgs<K extends CommandName> = Commands[K] extends CommandSpec<infer A, unknown> ? A : never
export type CommandResult<K extends CommandName> = Commands[K] extends CommandSpec<unknown, infer R> ? R : never

/** What a command gets besides its arguments. */
export interface CallContext {
  /** Aborted when the caller cancels (long commands check it). */
  signal?: AbortSignal
}

/** The engine as every front end sees it: one async function per command. */
export type EngineApi = {
  [K in CommandName]: CommandArgs<K> extends void
    ? (args?: undefined, ctx?: CallContext) => Promise<CommandResult<K>>
    : (args: CommandArgs<K>, ctx?: CallContext) => Promise<CommandResult<K>>
}

export const commandNames = Object.keys(commands) as CommandName[]

/** Looks a command up by a name that came off the wire. */
export function commandNamed(name: unknown): CommandName | undefined {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(commands, name) ? (name as CommandName) : undefined
}

/** How `name` may touch the engine host's files (CommandSpec.files). */
export function fileAccessOf(name: CommandName): FileAccess {
  return (commands[name] as { files?: FileAccess }).files ?? 'none'
}

/** Checks untrusted arguments against the contract; throws ValidationError with a one-line reason. */
export function validateArgs<K extends CommandName>(name: K, args: unknown): CommandArgs<K> {
  return (commands[name].args as Schema<CommandArgs<K>>).parse(args, '')
}

export type { CaptureEvent, Direction, FrontEvent }
