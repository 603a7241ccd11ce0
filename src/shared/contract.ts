// The one contract between the engine and every front end (Electron IPC, web mode, CLI).
// Command names are the channel names; nothing else may spell them.

import type { CaptureEvent, CaptureInfo, ConnectionSummary, Direction } from './capture-types'
import type { EngineEvent, ProxyInfo } from './events'
import { bool, int, none, obj, oneOf, optional, str, type Infer, type Schema } from './schema'
import { payloadSpec } from './payload/payload-spec'
import { MAX_CONN_ID, MAX_CONNECT_TIMEOUT_MS, MAX_INTERVAL_MS } from './limits'
import {
  clientConnectArgs,
  expectArgs,
  sequenceArgs,
  serverBehaviour,
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

const MAX_READ = 16 * 1024 * 1024

export const proxyStartArgs = obj({
  listen: str({ nonEmpty: true, max: 4096 }),
  target: str({ nonEmpty: true, max: 4096 }),
  /** Give up on the upstream connect after this long (default 10 s). */
  connectTimeoutMs: optional(int({ min: 1, max: MAX_CONNECT_TIMEOUT_MS })),
  /** TCP_NODELAY on both legs (default true: the proxy adds no Nagle delay). */
  noDelay: optional(bool())
})
export type ProxyStartArgs = Infer<typeof proxyStartArgs>

const proxyStopArgs = obj({
  proxyId: str({ nonEmpty: true, max: 64 }),
  /** Also close (destroy) the proxy's live connections; otherwise they run to their end. */
  closeConnections: optional(bool())
})

const readBytesArgs = obj({
  connId: int({ min: 1, max: MAX_CONN_ID }),
  dir: oneOf(['client', 'server'] as const),
  offset: int({ min: 0 }),
  length: int({ min: 0, max: MAX_READ })
})

const readEventsArgs = obj({
  connId: int({ min: 1, max: MAX_CONN_ID }),
  from: optional(int({ min: 0 })),
  limit: optional(int({ min: 1, max: 100_000 }))
})

const sessionId = str({ nonEmpty: true, max: 64 })
const connRef = obj({ connId: int({ min: 1, max: MAX_CONN_ID }) })
const serverStopArgs = obj({ serverId: sessionId, closeClients: optional(bool()) })
const behaviourArgs = obj({ serverId: sessionId, behaviour: serverBehaviour })
const broadcastArgs = obj({ serverId: sessionId, payload: payloadSpec })
const clientRef = obj({ clientId: sessionId })
const payloadPreviewArgs = obj({ payload: payloadSpec })
const sendArgs = obj({ connId: int({ min: 1, max: MAX_CONN_ID }), payload: payloadSpec })
const intervalArgs = obj({
  connId: int({ min: 1, max: MAX_CONN_ID }),
  /** Omit to stop the connection's interval send. */
  everyMs: optional(int({ min: 1, max: MAX_INTERVAL_MS })),
  count: optional(int({ min: 1, max: MAX_CONN_ID })),
  payload: optional(payloadSpec)
})

interface CommandSpec<A, R> {
  args: Schema<A>
  /** Phantom: the result type, carried for the derived API type only. */
  result?: R
}
const command = <A, R>(args: Schema<A>): CommandSpec<A, R> => ({ args })

export const commands = {
  'proxy.start': command<ProxyStartArgs, ProxyInfo>(proxyStartArgs),
  'proxy.stop': command<Infer<typeof proxyStopArgs>, void>(proxyStopArgs),
  'proxy.list': command<void, ProxyInfo[]>(none()),
  'capture.info': command<void, CaptureInfo>(none()),
  'conn.list': command<void, ConnectionSummary[]>(none()),
  'conn.read': command<Infer<typeof readBytesArgs>, Uint8Array>(readBytesArgs),
  'conn.events': command<Infer<typeof readEventsArgs>, CaptureEvent[]>(readEventsArgs),

  'server.start': command<ServerStartArgs, ServerSessionInfo>(serverStartArgs),
  'server.stop': command<Infer<typeof serverStopArgs>, void>(serverStopArgs),
  'server.behaviour': command<Infer<typeof behaviourArgs>, ServerSessionInfo>(behaviourArgs),
  /** Sends to every client of the server; returns how many got it. */
  'server.broadcast': command<Infer<typeof broadcastArgs>, { clients: number; bytes: number }>(broadcastArgs),
  'client.connect': command<ClientConnectArgs, ClientSessionInfo>(clientConnectArgs),
  'client.reconnect': command<Infer<typeof clientRef>, ClientSessionInfo>(clientRef),
  'client.close': command<Infer<typeof clientRef>, void>(clientRef),
  'session.list': command<void, SessionInfo[]>(none()),
  /** The exact bytes a payload makes (to preview it, or to check it before connecting). */
  'payload.preview': command<Infer<typeof payloadPreviewArgs>, Uint8Array>(payloadPreviewArgs),

  /** Commands on one live session connection (a server's client, or a client session). */
  'conn.send': command<Infer<typeof sendArgs>, { bytes: number }>(sendArgs),
  'conn.end': command<Infer<typeof connRef>, void>(connRef),
  'conn.reset': command<Infer<typeof connRef>, void>(connRef),
  'conn.destroy': command<Infer<typeof connRef>, void>(connRef),
  'conn.resume': command<Infer<typeof connRef>, void>(connRef),
  'conn.interval': command<Infer<typeof intervalArgs>, void>(intervalArgs),
  'conn.expect': command<ExpectArgs, ExpectResult>(expectArgs),
  'conn.sequence': command<Infer<typeof sequenceArgs>, SequenceResult>(sequenceArgs)
} as const

export type Commands = typeof commands
export type CommandName = keyof Commands
export type CommandArgs<K extends CommandName> = Commands[K] extends CommandSpec<infer A, unknown> ? A : never
export type CommandResult<K extends CommandName> = Commands[K] extends CommandSpec<unknown, infer R> ? R : never

/** The engine as every front end sees it: one async function per command. */
export type EngineApi = {
  [K in CommandName]: CommandArgs<K> extends void
    ? () => Promise<CommandResult<K>>
    : (args: CommandArgs<K>) => Promise<CommandResult<K>>
}

export const commandNames = Object.keys(commands) as CommandName[]

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(commands, name)
}

/** Checks untrusted arguments against the contract; throws ValidationError with a one-line reason. */
export function validateArgs<K extends CommandName>(name: K, args: unknown): CommandArgs<K> {
  return (commands[name].args as Schema<CommandArgs<K>>).parse(args, '')
}

/** The single event channel engine -> front end. */
export const EVENT_CHANNEL = 'engine.event'
export type { EngineEvent, Direction }

/**
 * What a transport answers for a command. Errors travel as data (a one-line message) so
 * no transport wraps or decorates them; the front end rethrows `error` as is.
 */
export type CommandReply<T> = { ok: true; value: T } | { ok: false; error: string }
