// A recorded server: listens, and plays a captured connection's server side to every client
// that connects, so a client can be tested against a server that is not there: turn by turn
// (recorded-turns.ts: each answer once the client sent as many bytes as the recorded client
// did) or message by message (recorded-messages.ts: each client message, cut with the
// connection's framing, answered with the server messages recorded for it). Every client is
// played on its own: a failing one never touches another. With TLS (a connection whose
// client spoke TLS) each client's handshake is answered first, as a TLS server session
// answers it (session-tls.ts), and the cleartext is played.

import { createServer, type Socket } from 'node:net'
import type { Endpoint } from '../../shared/endpoint'
import { formatPeer } from '../../shared/human-readable'
import type { RecordedClientReport } from '../../shared/replay-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { Messages } from '../decode/messages/messages'
import { Listener } from '../net/listen'
import type { FdBudget } from '../net/fd-budget'
import { outOfDescriptors, UserError } from '../net/net-errors'
import { remotePeer, resetSocket } from '../net/sockets'
import { DEFAULT_REPLAY_TIMEOUT_MS } from '../../shared/limits'
import { planReplay } from './replay-plan'
import { messageScript } from './message-steps'
import { MessageScriptPlayer } from './recorded-messages'
import type { ClientScript } from './recorded-script'
import { TurnScript } from './recorded-turns'
import { secureClient, type ServerTls } from '../session/session-tls'

export type { RecordedClientReport }

export interface RecordedServerOptions {
  listen: Endpoint
  /** How long to wait for a client turn (or message) before answering anyway (default DEFAULT_REPLAY_TIMEOUT_MS). */
  timeoutMs?: number
  /** Called once per client, after it is gone; must not throw. */
  onClient?: (report: RecordedClientReport) => void
  /** The engine's descriptors: a client that would take the process past them is reset, in plain sight. */
  budget?: FdBudget
  /** Answer clients in TLS (session-tls.ts loadServerTls). */
  tls?: ServerTls
  /** Answer message by message, the connection cut as its Messages list cuts it (or with `frame`). */
  byMessage?: { messages: Messages; frame?: string }
}

export class RecordedServer {
  /** Where it listens, port resolved (`HOST:PORT` or a path). */
  listen = ''
  /** Clients that connected so far. */
  accepted = 0
  private readonly clients = new Set<Promise<void>>()
  private readonly sockets = new Set<Socket>()
  private stopped = false
  private listener!: Listener

  private constructor(
    private readonly script: ClientScript,
    private readonly opts: RecordedServerOptions
  ) {}

  static async start(view: CaptureView, connId: number, opts: RecordedServerOptions): Promise<RecordedServer> {
    const conn = await view.connection(connId)
    if (!conn) throw new UserError(`no connection #${connId} in this capture`, 'ENOENT')
    const plan = await planReplay(view, connId)
    const reset = conn.end === 'server-reset'
    const timeoutMs = opts.timeoutMs ?? DEFAULT_REPLAY_TIMEOUT_MS
    const script = opts.byMessage
      ? new MessageScriptPlayer(view, connId, await messageScript(view, connId, opts.byMessage.messages, opts.byMessage.frame), plan, reset, timeoutMs)
      : new TurnScript(view, connId, plan, reset, timeoutMs)
    const rs = new RecordedServer(script, opts)
    rs.listener = await Listener.open(opts.listen, () => createServer({ allowHalfOpen: true, noDelay: true }, (socket) => rs.accept(socket)))
    rs.listen = rs.listener.address
    return rs
  }

  /** Clients connected now. */
  get open(): number {
    return this.sockets.size
  }

  /** Turns (or by message, client messages) of the recorded conversation. */
  get turns(): number {
    return this.script.size
  }

  /** By message: the framing the connection is cut with. */
  get framing(): string | undefined {
    return this.script.framing
  }

  private accept(socket: Socket): void {
    if (this.stopped) return void socket.destroy()
    this.accepted++
    const name = formatPeer(remotePeer(socket, this.opts.listen.kind === 'unix' ? this.listen : undefined))
    const budget = this.opts.budget
    budget?.opened(1)
    socket.once('close', () => budget?.closed(1))
    if (budget !== undefined && !budget.room(0)) {
      // Reset and reported rather than left to libuv, which closes what it cannot accept unseen (fd-budget.ts).
      socket.on('error', () => {})
      resetSocket(socket)
      this.tell(this.script.refused(name, outOfDescriptors(budget.limit)))
      return
    }
    this.sockets.add(socket)
    const done = this.secured(socket, name)
      .then(async (s) => (s === undefined ? undefined : this.tell(await this.script.play(s, name))))
      .catch(() => {}) // play reports its own failures; nothing escapes a client
      .finally(() => {
        this.sockets.delete(socket)
        this.clients.delete(done)
      })
    this.clients.add(done)
  }

  /** The socket to play to: the TLS one once its handshake is done; undefined (reported) when it could not be served. */
  private async secured(socket: Socket, name: string): Promise<Socket | undefined> {
    const tls = this.opts.tls
    if (tls === undefined) return socket
    const s = await secureClient(socket, undefined, tls)
    if ('socket' in s) {
      // stop() destroys what it holds: the TLS socket from now on (taking the TCP one down with it).
      this.sockets.delete(socket)
      this.sockets.add(s.socket)
      s.socket.once('close', () => this.sockets.delete(s.socket))
      return s.socket
    }
    this.tell(this.script.refused(name, s.failure))
    return undefined
  }

  private tell(report: RecordedClientReport): void {
    try {
      this.opts.onClient?.(report)
    } catch {
      /* a caller's callback must not break the server */
    }
  }

  /** Stops listening and closes every client (their reports still come). */
  async stop(): Promise<void> {
    this.stopped = true
    const closed = this.listener.close()
    for (const s of this.sockets) s.destroy()
    await Promise.all([closed, ...this.clients])
  }
}
