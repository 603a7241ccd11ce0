// A TCP server opened by hand: accepts clients, records each as a capture connection, and
// answers them as its behaviour says (echo, reply rules, a canned HTTP response, interval
// sends), switchable while it runs. With TLS each client's handshake is answered first
// (session-tls.ts), and the session then reads and writes the cleartext as over TCP.

import { createServer, type Server, type Socket } from 'node:net'
import type { Endpoint } from '../../shared/endpoint'
import type { ServerBehaviour, ServerSessionInfo, ServerStartArgs } from '../../shared/session-types'
import type { LiveCapture } from '../capture/write/live-capture'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { HttpFramingError, HttpRequestFramer } from '../http/request-framer'
import type { FdBudget } from '../net/fd-budget'
import { Listener } from '../net/listen'
import { outOfDescriptors, UserError } from '../net/net-errors'
import { ERROR_CODES } from '../../shared/errors'
import { remotePeer, resetSocket } from '../net/sockets'
import { BAD_REQUEST, buildCannedResponse, responseFor, type CannedResponse } from './http-responder'
import { ReplyQueue } from './reply-queue'
import { SessionRules } from './session-rules'
import type { RulesState } from '../../shared/rules/rule-args'
import { TrafficRules } from '../rules/traffic-rules'
import { compileRules, replyFor, type CompiledRule } from './reply-rules'
import { SessionConnection } from './session-connection'
import { secureClient, type ServerTls } from './session-tls'

export interface SessionHooks {
  /** The session's info changed (clients came or went, behaviour, state). */
  updated(): void
  connOpened(conn: SessionConnection): void
  connClosed(conn: SessionConnection): void
  /** An automatic reply failed (e.g. a file vanished); the session keeps running. */
  warn(message: string): void
  /** The engine's count of open descriptors (fd-budget.ts). */
  budget: FdBudget
  fdExhausted(): void
  /** Its traffic rules changed, or one acted. */
  rulesChanged?(id: string, state: RulesState): void
  /** The built script worker, where it is not beside the engine (tests run from source). */
  scriptWorkerFile?: string
}

interface Answering {
  behaviour: ServerBehaviour
  rules: CompiledRule[]
  canned: CannedResponse | undefined
}

async function compileBehaviour(behaviour: ServerBehaviour): Promise<Answering> {
  return {
    behaviour,
    rules: await compileRules(behaviour.rules ?? []),
    canned: behaviour.http ? await buildCannedResponse(behaviour.http) : undefined
  }
}

/** The composer's interval send to every client of a server, apart from its behaviour's. */
interface AllClientsInterval {
  timer: NodeJS.Timeout
  spec: { everyMs: number; count?: number }
}

export class ServerSession {
  private listener!: Listener
  private readonly clients = new Map<number, SessionConnection>()
  private readonly framers = new WeakMap<SessionConnection, HttpRequestFramer>()
  /** Replies of one connection go out in the order their requests came in, as it reads them. */
  private readonly replies = new WeakMap<SessionConnection, ReplyQueue>()
  private answering: Answering = { behaviour: {}, rules: [], canned: undefined }
  private accepted = 0
  private refused = 0
  private stopped = false
  private toAll: AllClientsInterval | undefined
  /** TLS clients whose handshake is under way (stopping with its clients closes them too). */
  private readonly handshaking = new Set<Socket>()
  /** Traffic rules and a script (`serve --rules`), answering instead of the behaviour when it has any. */
  rules!: SessionRules

  private constructor(
    readonly id: string,
    private readonly listen: Endpoint,
    private readonly args: ServerStartArgs,
    private readonly capture: LiveCapture,
    private readonly hooks: SessionHooks,
    private readonly tls: ServerTls | undefined
  ) {}

  private newServer(): Server {
    const args = this.args
    const server = createServer({ allowHalfOpen: args.allowHalfOpen ?? false, pauseOnConnect: args.pauseOnConnect ?? false }, (s) => this.accept(s))
    if (args.maxConnections !== undefined) server.maxConnections = args.maxConnections
    // Node closes a client over maxConnections at once; count it so the refusal is visible.
    server.on('drop', () => {
      this.refused++
      this.hooks.updated()
    })
    return server
  }

  static async start(id: string, listen: Endpoint, args: ServerStartArgs, capture: LiveCapture, hooks: SessionHooks, tls?: ServerTls): Promise<ServerSession> {
    const session = new ServerSession(id, listen, args, capture, hooks, tls)
    const traffic = new TrafficRules({ warn: (message) => hooks.warn(message), ...(hooks.scriptWorkerFile !== undefined ? { scriptWorkerFile: hooks.scriptWorkerFile } : {}) })
    traffic.set.watch(() => hooks.rulesChanged?.(id, traffic.state()))
    session.rules = new SessionRules(traffic, capture)
    // Check the behaviour before taking the port, so a bad rule fails without side effects.
    session.answering = await compileBehaviour(args.behaviour ?? {})
    session.listener = await Listener.open(listen, () => session.newServer(), { backlog: args.backlog })
    capture.owner({ event: 'start', id, listen: session.listening, target: session.listening, ...(args.frame ? { frame: args.frame } : {}) })
    return session
  }

  /** Where it listens, port resolved. */
  private get listening(): string {
    return this.listener.address
  }

  /** How server.start would start it again: on the address it has, with the behaviour it has now. */
  settings(): ServerStartArgs {
    return { ...this.args, listen: this.listening, behaviour: this.answering.behaviour }
  }

  info(): ServerSessionInfo {
    const clients = [...this.clients.values()]
    return {
      id: this.id,
      kind: 'server',
      listen: this.listening,
      state: this.stopped ? 'stopped' : 'listening',
      clients: clients.map((c) => c.id),
      paused: clients.filter((c) => c.paused).map((c) => c.id),
      accepted: this.accepted,
      refused: this.refused,
      behaviour: this.answering.behaviour,
      intervals: clients.filter((c) => c.sendingByHand).map((c) => c.id),
      ...(this.toAll ? { intervalAll: this.toAll.spec } : {}),
      ...(this.tls !== undefined ? { tls: true } : {})
    }
  }

  private accept(socket: Socket): void {
    this.accepted++
    socket.setNoDelay(true)
    const rec = this.capture.openConnection({
      kind: 'server',
      ownerId: this.id,
      client: remotePeer(socket, this.listen.kind === 'unix' ? this.listen.path : undefined),
      target: this.listening
    })
    const budget = this.hooks.budget
    budget.opened(1)
    socket.once('close', () => budget.closed(1))
    if (!budget.room(0)) {
      // Out of descriptors: turned away in plain sight rather than dropped by libuv unseen.
      socket.on('error', () => {})
      socket.once('close', () => rec.close('error'))
      rec.event('error', 'server', { code: 'EMFILE', message: outOfDescriptors(budget.limit) })
      resetSocket(socket)
      this.refused++
      this.hooks.fdExhausted()
      this.hooks.updated()
      return
    }
    if (this.tls !== undefined) {
      return void this.secure(socket, rec, this.tls).catch((err: unknown) => {
        this.hooks.warn(`${this.id}: TLS client #${rec.id}: ${err instanceof Error ? err.message : String(err)}`)
        socket.destroy()
      })
    }
    this.admit(socket, rec)
  }

  /**
   * A TLS client: answered first, then admitted on the secure socket. A client held on
   * connect (pauseOnConnect) still gets its handshake, since TLS cannot wait for the user;
   * what it sends after is held until conn.resume.
   */
  private async secure(socket: Socket, rec: RecordedConnection, tls: ServerTls): Promise<void> {
    this.handshaking.add(socket)
    let secured
    try {
      secured = await secureClient(socket, rec, tls)
    } finally {
      this.handshaking.delete(socket)
    }
    if (!('socket' in secured)) return
    if (this.args.pauseOnConnect) secured.socket.pause()
    this.admit(secured.socket, rec)
  }

  private admit(socket: Socket, rec: RecordedConnection): void {
    const conn = new SessionConnection(
      socket,
      rec,
      this.capture,
      'server',
      {
        onData: (c, chunk) => (this.rules.has(c) ? this.rules.data(c, chunk) : this.replies.get(c)?.push(chunk)),
        onPeerFin: (c) => {
          if (this.rules.has(c)) this.rules.fin(c)
        },
        onResumed: () => this.hooks.updated(),
        onIntervalChanged: () => this.hooks.updated(),
        warn: (m) => this.hooks.warn(`${this.id}: ${m}`),
        onClosed: (c) => {
          this.rules.closed(c)
          this.clients.delete(c.id)
          this.hooks.connClosed(c)
          this.hooks.updated()
        }
      },
      { paused: this.args.pauseOnConnect, idleTimeoutMs: this.args.idleTimeoutMs }
    )
    this.replies.set(
      conn,
      new ReplyQueue(
        conn,
        (chunk) => this.answer(conn, chunk),
        (err) => this.hooks.warn(`${this.id}: reply to #${conn.id}: ${err.message}`)
      )
    )
    if (this.rules.active) this.rules.open(conn, `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`, this.listening)
    this.clients.set(conn.id, conn)
    this.hooks.connOpened(conn)
    this.startInterval(conn)
    this.hooks.updated()
  }

  private startInterval(conn: SessionConnection): void {
    const interval = this.answering.behaviour.interval
    if (interval) conn.startInterval(interval, 'session').catch((err: Error) => this.hooks.warn(`${this.id}: interval send: ${err.message}`))
    else conn.stopInterval('session')
  }

  /** Answers one received chunk as the behaviour says (the ReplyQueue calls it in order). */
  private answer(conn: SessionConnection, chunk: Buffer): void | Promise<void> {
    const { canned, rules, behaviour } = this.answering
    if (canned) return this.answerHttp(conn, chunk, canned)
    const reply = rules.length > 0 ? replyFor(rules, chunk) : undefined
    const send = (out: Buffer | undefined): void => {
      const bytes = out ?? (behaviour.echo ? chunk : undefined)
      if (bytes && conn.canSend) conn.sendBytes(bytes)
    }
    if (reply instanceof Promise) return reply.then(send)
    send(reply)
  }

  private answerHttp(conn: SessionConnection, chunk: Buffer, canned: CannedResponse): void | Promise<void> {
    let framer = this.framers.get(conn)
    if (!framer) this.framers.set(conn, (framer = new HttpRequestFramer()))
    if (!conn.canSend) return
    try {
      return this.respond(conn, framer.push(chunk), canned)
    } catch (err) {
      if (!(err instanceof HttpFramingError)) throw err
      this.hooks.warn(`${this.id}: #${conn.id} sent garbage HTTP (${err.message}); answered 400 and closed`)
      conn.sendBytes(BAD_REQUEST)
      conn.endOutput()
    }
  }

  /**
   * Answers requests in order; pipelined requests wait while the client has not taken the
   * previous response (one chunk of tiny requests would otherwise make thousands of responses).
   */
  private respond(conn: SessionConnection, requests: Array<{ method: string; keepAlive: boolean }>, canned: CannedResponse): void | Promise<void> {
    for (let i = 0; i < requests.length; i++) {
      if (!conn.canSend) return
      if (conn.congested) return conn.drained().then(() => this.respond(conn, requests.slice(i), canned))
      const req = requests[i]
      conn.sendBytes(responseFor(canned, req.method, req.keepAlive))
      if (!req.keepAlive) return conn.endOutput()
    }
  }

  /** Replaces the whole behaviour; a bad one leaves the current one in place. */
  async setBehaviour(behaviour: ServerBehaviour): Promise<void> {
    this.answering = await compileBehaviour(behaviour)
    for (const c of this.clients.values()) this.startInterval(c)
    this.hooks.updated()
  }

  openClients(): SessionConnection[] {
    return [...this.clients.values()].filter((c) => c.canSend)
  }

  /**
   * Sends `bytes` to every open client every `everyMs` (at most `count` times), or stops
   * that when `send` is undefined. It is the composer's, apart from the behaviour's interval,
   * so stopping one never stops the other.
   */
  intervalToAll(send: { everyMs: number; count?: number; bytes: Buffer } | undefined): void {
    if (this.toAll) clearInterval(this.toAll.timer)
    this.toAll = undefined
    if (send) {
      let left = send.count ?? Infinity
      const timer = setInterval(() => {
        for (const c of this.openClients()) c.sendBytes(send.bytes)
        if (--left <= 0) this.intervalToAll(undefined)
      }, send.everyMs)
      this.toAll = { timer, spec: { everyMs: send.everyMs, ...(send.count !== undefined ? { count: send.count } : {}) } }
    }
    this.hooks.updated()
  }

  /** Listens again after a stop, on the same address, with the same settings and behaviour. */
  async restart(): Promise<void> {
    if (!this.stopped) throw new UserError(`server ${this.id} is already listening on ${this.listening}`, ERROR_CODES.ESTATE)
    await this.listener.restart()
    this.stopped = false
    this.capture.owner({ event: 'start', id: this.id, listen: this.listening, target: this.listening, ...(this.args.frame ? { frame: this.args.frame } : {}) })
    this.hooks.updated()
  }

  async stop(closeClients: boolean): Promise<void> {
    if (this.toAll) this.intervalToAll(undefined)
    if (!this.stopped) {
      this.stopped = true
      // Not waited for: its clients run on until closed or told to, and the server closes once they are gone.
      void this.listener.close()
      this.capture.owner({ event: 'stop', id: this.id, listen: this.listening, target: this.listening })
    }
    if (closeClients) {
      for (const s of this.handshaking) s.destroy()
      const clients = [...this.clients.values()]
      const closed = clients.map((c) => new Promise<void>((r) => (c.closed ? r() : c.socket.once('close', () => r()))))
      for (const c of clients) c.destroy()
      await Promise.all(closed)
    }
    this.hooks.updated()
  }
}
