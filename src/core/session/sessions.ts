// The engine's ad-hoc sessions: servers and clients by id, and their live connections by
// capture connection id, so `conn.*` commands reach any of them.

import type { CommandArgs } from '../../shared/contract'
import { parseTargetEndpoint, parseUserEndpoint } from '../net/user-endpoint'
import type {
  ClientConnectArgs,
  ClientSessionInfo,
  ExpectResult,
  SequenceResult,
  ServerSessionInfo,
  ServerStartArgs,
  SessionInfo
} from '../../shared/session-types'
import type { LiveCapture } from '../capture/write/live-capture'
import type { HoldState } from '../capture/write/hold-state'
import type { FdBudget } from '../net/fd-budget'
import { ERROR_CODES } from '../../shared/errors'
import { DEFAULT_EXPECT_TIMEOUT_MS } from '../../shared/limits'
import { UserError, cancelled } from '../net/net-errors'
import { buildPayload } from '../payload/build-payload'
import { ClientSession } from './client-session'
import { ServerSession, type SessionHooks } from './server-session'
import { loadClientTls, loadServerTls } from './session-tls'
import type { CaSource } from '../tls/ca-commands'
import type { SessionConnection } from './session-connection'

export interface SessionEvents {
  updated(info: SessionInfo): void
  warn(message: string): void
  budget: FdBudget
  /** A client was turned away because the process is out of file descriptors. */
  fdExhausted(): void
  /** Whether the capture writer wants its producers paused. */
  hold: HoldState
  /** tcpscope's CA: the leaves of server sessions that listen with TLS. */
  ca?: CaSource
  /** A server session's traffic rules changed, or one acted. */
  rulesChanged?(id: string, state: RulesState): void
  /** The built script worker, where it is not beside the engine (tests run from source). */
  scriptWorkerFile?: string
}

import type { RulesState } from '../../shared/rules/rule-args'
import type { TrafficRules } from '../rules/traffic-rules'

export class Sessions {
  private readonly servers = new Map<string, ServerSession>()
  private readonly clients = new Map<string, ClientSession>()
  private readonly live = new Map<number, SessionConnection>()
  private nextServer = 1
  private nextClient = 1

  constructor(
    private readonly capture: LiveCapture,
    private readonly events: SessionEvents
  ) {
    events.hold.watch((held) => {
      for (const c of this.live.values()) c.setCaptureHeld(held)
    })
  }

  private hooks(info: () => SessionInfo): SessionHooks {
    return {
      updated: () => this.events.updated(info()),
      connOpened: (c) => {
        this.live.set(c.id, c)
        c.setCaptureHeld(this.events.hold.held)
      },
      connClosed: (c) => this.live.delete(c.id),
      warn: (m) => this.events.warn(m),
      budget: this.events.budget,
      fdExhausted: () => this.events.fdExhausted(),
      rulesChanged: (id, state) => this.events.rulesChanged?.(id, state),
      ...(this.events.scriptWorkerFile !== undefined ? { scriptWorkerFile: this.events.scriptWorkerFile } : {})
    }
  }

  /** The traffic rules of server session `id`, if it is one (`serve --rules`). */
  trafficOf(id: string): TrafficRules | undefined {
    return this.servers.get(id)?.rules.traffic
  }

  /** The servers listening and the clients not closed, as server.start and client.connect would start them again. */
  settings(): { servers: ServerStartArgs[]; clients: ClientConnectArgs[] } {
    return {
      servers: [...this.servers.values()].filter((s) => s.info().state === 'listening').map((s) => s.settings()),
      clients: [...this.clients.values()].filter((c) => c.info().state !== 'closed').map((c) => c.settings())
    }
  }

  list(): SessionInfo[] {
    return [...[...this.servers.values()].map((s) => s.info()), ...[...this.clients.values()].map((c) => c.info())]
  }

  private server(id: string): ServerSession {
    const s = this.servers.get(id)
    if (!s) throw new UserError(`no server session "${id}"; list them with session.list`, 'ENOENT')
    return s
  }

  private client(id: string): ClientSession {
    const c = this.clients.get(id)
    if (!c) throw new UserError(`no client session "${id}"; list them with session.list`, 'ENOENT')
    return c
  }

  /** A live session connection; proxy connections are watched, not driven by hand. */
  conn(connId: number): SessionConnection {
    const c = this.live.get(connId)
    if (!c) throw new UserError(`connection #${connId} is not an open session connection (only server and client sessions can be driven by hand)`, ERROR_CODES.ENOCONN)
    return c
  }

  async startServer(args: CommandArgs<'server.start'>): Promise<ServerSessionInfo> {
    const listen = parseUserEndpoint(args.listen, '--listen', '127.0.0.1')
    const tls = args.tls !== undefined ? await loadServerTls(args.tls, listen, this.events.ca) : undefined
    // The id is taken only once the server listens: a failed start leaves it for the next try.
    const id = `s${this.nextServer}`
    const session: ServerSession = await ServerSession.start(id, listen, args, this.capture, this.hooks(() => session.info()), tls)
    this.nextServer++
    this.servers.set(id, session)
    const info = session.info()
    this.events.updated(info)
    return info
  }

  async stopServer(args: CommandArgs<'server.stop'>): Promise<void> {
    await this.server(args.serverId).stop(args.closeClients ?? false)
  }

  async restartServer(args: CommandArgs<'server.restart'>): Promise<ServerSessionInfo> {
    const s = this.server(args.serverId)
    await s.restart()
    return s.info()
  }

  /** The composer's interval send to every client of a server (not its behaviour's). */
  async serverInterval(args: CommandArgs<'server.interval'>): Promise<ServerSessionInfo> {
    const s = this.server(args.serverId)
    if (args.everyMs === undefined) s.intervalToAll(undefined)
    else {
      if (!args.payload) throw new UserError('server.interval: give a payload to send every interval')
      s.intervalToAll({ everyMs: args.everyMs, count: args.count, bytes: await buildPayload(args.payload) })
    }
    return s.info()
  }

  async setBehaviour(args: CommandArgs<'server.behaviour'>): Promise<ServerSessionInfo> {
    const s = this.server(args.serverId)
    await s.setBehaviour(args.behaviour)
    return s.info()
  }

  /**
   * Sends to every open client that takes what it is sent; one that has not taken the last
   * send is skipped (and named in a warning), so one stuck client neither holds up the rest
   * nor grows memory. `clients` counts those that got it.
   */
  async broadcast(args: CommandArgs<'server.broadcast'>): Promise<{ clients: number; bytes: number }> {
    const s = this.server(args.serverId)
    const bytes = await buildPayload(args.payload)
    const open = s.openClients()
    const stuck = open.filter((c) => c.congested)
    const targets = open.filter((c) => !c.congested)
    for (const c of targets) c.sendBytes(bytes)
    if (stuck.length > 0) {
      this.events.warn(`${s.id}: broadcast skipped ${stuck.map((c) => `#${c.id}`).join(', ')}: not reading what was sent`)
    }
    return { clients: targets.length, bytes: bytes.length }
  }

  /** Opens a client session and connects it; a failed connect leaves the session to reconnect. */
  async connectClient(args: CommandArgs<'client.connect'>): Promise<ClientSessionInfo> {
    const target = parseTargetEndpoint(args.target, 'target')
    // Files read before the session exists: a bad --ca leaves no session behind.
    const tls = args.tls !== undefined ? await loadClientTls(args.tls) : undefined
    const id = `c${this.nextClient++}`
    const session: ClientSession = new ClientSession(id, target, args, this.capture, this.hooks(() => session.info()), tls)
    this.clients.set(id, session)
    await session.connect()
    return session.info()
  }

  async reconnect(args: CommandArgs<'client.reconnect'>): Promise<ClientSessionInfo> {
    const c = this.client(args.clientId)
    await c.reconnect()
    return c.info()
  }

  async closeClient(args: CommandArgs<'client.close'>): Promise<void> {
    const c = this.client(args.clientId)
    await c.close()
    this.clients.delete(args.clientId)
  }

  async send(args: CommandArgs<'conn.send'>): Promise<{ bytes: number }> {
    const c = this.conn(args.connId)
    return { bytes: await c.send(await buildPayload(args.payload)) }
  }

  async interval(args: CommandArgs<'conn.interval'>): Promise<void> {
    const c = this.conn(args.connId)
    if (args.everyMs === undefined) return c.stopInterval()
    if (!args.payload) throw new UserError('conn.interval: give a payload to send every interval')
    await c.startInterval({ everyMs: args.everyMs, count: args.count, payload: args.payload })
  }

  async expect(args: CommandArgs<'conn.expect'>, signal?: AbortSignal): Promise<ExpectResult> {
    return this.conn(args.connId).expect(args.pattern, args.timeoutMs, args.encoding, args.fromOffset, signal)
  }

  async sequence(args: CommandArgs<'conn.sequence'>, signal?: AbortSignal): Promise<SequenceResult> {
    const c = this.conn(args.connId)
    const steps: SequenceResult['steps'] = []
    for (const step of args.steps) {
      if (signal?.aborted) throw cancelled()
      const bytes = await buildPayload(step.payload)
      const before = c.rec.bytes(c.peer)
      const sent = await c.send(bytes)
      if (step.expect === undefined) {
        steps.push({ sent })
        continue
      }
      const r = await c.expect(step.expect, step.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS, 'utf8', before, signal)
      steps.push({ sent, matched: r.matched, ...(r.match !== undefined ? { match: r.match } : {}) })
      if (!r.matched) return { steps, completed: false }
    }
    return { steps, completed: true }
  }

  async closeAll(): Promise<void> {
    for (const s of this.servers.values()) s.rules.traffic.close()
    await Promise.all([
      ...[...this.servers.values()].map((s) => s.stop(true)),
      ...[...this.clients.values()].map((c) => c.close())
    ])
  }
}
