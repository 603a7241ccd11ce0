// A TCP server opened by hand: accepts clients, records each as a capture connection, and
// answers them as its behaviour says (echo, reply rules, a canned HTTP response, interval
// sends), switchable while it runs.

import { createServer, type Server, type Socket } from 'node:net'
import type { Endpoint } from '../../shared/endpoint'
import type { ServerBehaviour, ServerSessionInfo, ServerStartArgs } from '../../shared/session-types'
import type { LiveCapture } from '../capture/live-capture'
import { HttpFramingError, HttpRequestFramer } from '../http/request-framer'
import type { FdBudget } from '../net/fd-budget'
import { boundAddress, listenOn } from '../net/listen'
import { outOfDescriptors } from '../net/net-errors'
import { remotePeer, resetSocket } from '../net/sockets'
import { BAD_REQUEST, buildCannedResponse, responseFor, type CannedResponse } from './http-responder'
import { compileRules, replyFor, type CompiledRule } from './reply-rules'
import { SessionConnection } from './session-connection'

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

export class ServerSession {
  private readonly server: Server
  private readonly clients = new Map<number, SessionConnection>()
  private readonly framers = new WeakMap<SessionConnection, HttpRequestFramer>()
  /** Replies of one connection go out in the order their requests came in. */
  private readonly replyChains = new WeakMap<SessionConnection, Promise<void>>()
  private answering: Answering = { behaviour: {}, rules: [], canned: undefined }
  private listening = ''
  private accepted = 0
  private refused = 0
  private stopped = false

  private constructor(
    readonly id: string,
    private readonly listen: Endpoint,
    private readonly args: ServerStartArgs,
    private readonly capture: LiveCapture,
    private readonly hooks: SessionHooks
  ) {
    this.server = createServer({ allowHalfOpen: args.allowHalfOpen ?? false, pauseOnConnect: args.pauseOnConnect ?? false }, (s) =>
      this.accept(s)
    )
    if (args.maxConnections !== undefined) this.server.maxConnections = args.maxConnections
    // Node closes a client over maxConnections at once; count it so the refusal is visible.
    this.server.on('drop', () => {
      this.refused++
      this.hooks.updated()
    })
  }

  static async start(id: string, listen: Endpoint, args: ServerStartArgs, capture: LiveCapture, hooks: SessionHooks): Promise<ServerSession> {
    const session = new ServerSession(id, listen, args, capture, hooks)
    // Check the behaviour before taking the port, so a bad rule fails without side effects.
    session.answering = await compileBehaviour(args.behaviour ?? {})
    await listenOn(session.server, listen, { backlog: args.backlog })
    session.listening = boundAddress(session.server, listen)
    capture.owner({ event: 'start', id, listen: session.listening, target: session.listening })
    return session
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
      behaviour: this.answering.behaviour
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
    const conn = new SessionConnection(
      socket,
      rec,
      this.capture,
      'server',
      {
        onData: (c, chunk) => this.answer(c, chunk),
        onResumed: () => this.hooks.updated(),
        onClosed: (c) => {
          this.clients.delete(c.id)
          this.hooks.connClosed(c)
          this.hooks.updated()
        }
      },
      { paused: this.args.pauseOnConnect, idleTimeoutMs: this.args.idleTimeoutMs }
    )
    this.clients.set(conn.id, conn)
    this.hooks.connOpened(conn)
    this.startInterval(conn)
    this.hooks.updated()
  }

  private startInterval(conn: SessionConnection): void {
    const interval = this.answering.behaviour.interval
    if (interval) conn.startInterval(interval).catch((err: Error) => this.hooks.warn(`${this.id}: interval send: ${err.message}`))
    else conn.stopInterval()
  }

  private answer(conn: SessionConnection, chunk: Buffer): void {
    const { canned, rules, behaviour } = this.answering
    if (canned) return this.answerHttp(conn, chunk, canned)
    if (rules.length > 0) {
      const prev = this.replyChains.get(conn) ?? Promise.resolve()
      const next = prev.then(async () => {
        const reply = await replyFor(rules, chunk)
        const out = reply ?? (behaviour.echo ? chunk : undefined)
        if (out && !conn.closed && !conn.socket.writableEnded) conn.sendBytes(out)
      })
      this.replyChains.set(
        conn,
        next.catch((err: Error) => this.hooks.warn(`${this.id}: reply to #${conn.id}: ${err.message}`))
      )
      return
    }
    if (behaviour.echo && !conn.socket.writableEnded) conn.sendBytes(chunk)
  }

  private answerHttp(conn: SessionConnection, chunk: Buffer, canned: CannedResponse): void {
    let framer = this.framers.get(conn)
    if (!framer) this.framers.set(conn, (framer = new HttpRequestFramer()))
    if (conn.socket.writableEnded) return
    try {
      for (const req of framer.push(chunk)) {
        conn.sendBytes(responseFor(canned, req.method, req.keepAlive))
        if (!req.keepAlive) return conn.endOutput()
      }
    } catch (err) {
      if (!(err instanceof HttpFramingError)) throw err
      this.hooks.warn(`${this.id}: #${conn.id} sent garbage HTTP (${err.message}); answered 400 and closed`)
      conn.sendBytes(BAD_REQUEST)
      conn.endOutput()
    }
  }

  /** Replaces the whole behaviour; a bad one leaves the current one in place. */
  async setBehaviour(behaviour: ServerBehaviour): Promise<void> {
    this.answering = await compileBehaviour(behaviour)
    for (const c of this.clients.values()) this.startInterval(c)
    this.hooks.updated()
  }

  openClients(): SessionConnection[] {
    return [...this.clients.values()].filter((c) => !c.closed && !c.socket.writableEnded)
  }

  async stop(closeClients: boolean): Promise<void> {
    if (!this.stopped) {
      this.stopped = true
      this.server.close()
      this.capture.owner({ event: 'stop', id: this.id, listen: this.listening, target: this.listening })
    }
    if (closeClients) {
      const clients = [...this.clients.values()]
      const closed = clients.map((c) => new Promise<void>((r) => (c.closed ? r() : c.socket.once('close', () => r()))))
      for (const c of clients) c.destroy()
      await Promise.all(closed)
    }
    this.hooks.updated()
  }
}
