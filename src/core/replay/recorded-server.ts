// A recorded server: listens, and plays a captured connection's server side to every client
// that connects, turn by turn, so a client can be tested against a server that is not there.
// Each turn's answer goes out once the client has sent as many bytes as the recorded client
// did (or the turn timeout passed); what the client sent is compared with the recording by
// length and hash. Every client is played on its own: a failing one never touches another.
// With TLS (a connection whose client spoke TLS) each client's handshake is answered first,
// as a TLS server session answers it (session-tls.ts), and the cleartext is played.

import { createHash, type Hash } from 'node:crypto'
import { createServer, type Socket } from 'node:net'
import type { Endpoint } from '../../shared/endpoint'
import { formatPeer } from '../../shared/human-readable'
import type { RecordedClientReport } from '../../shared/replay-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { Listener } from '../net/listen'
import type { FdBudget } from '../net/fd-budget'
import { outOfDescriptors, UserError } from '../net/net-errors'
import { drainedOrClosed, remotePeer, resetSocket, resetWhenFlushed } from '../net/sockets'
import { DEFAULT_REPLAY_TIMEOUT_MS } from '../../shared/limits'
import { planReplay, type ReplayPlan, type StreamRange } from './replay-plan'
import { rangeHash, recordedPieces } from './recorded-bytes'
import { Waits } from './waits'
import { secureClient, type ServerTls } from '../session/session-tls'

export type { RecordedClientReport }

export interface RecordedServerOptions {
  listen: Endpoint
  /** How long to wait for a client turn before answering anyway (default DEFAULT_REPLAY_TIMEOUT_MS). */
  timeoutMs?: number
  /** Called once per client, after it is gone; must not throw. */
  onClient?: (report: RecordedClientReport) => void
  /** The engine's descriptors: a client that would take the process past them is reset, in plain sight. */
  budget?: FdBudget
  /** Answer clients in TLS (session-tls.ts loadServerTls). */
  tls?: ServerTls
}

export class RecordedServer {
  /** Where it listens, port resolved (`HOST:PORT` or a path). */
  listen = ''
  /** Clients that connected so far. */
  accepted = 0
  private readonly clients = new Set<Promise<void>>()
  private readonly sockets = new Set<Socket>()
  private readonly hashes = new Map<number, Promise<string>>()
  private stopped = false
  private listener!: Listener

  private constructor(
    private readonly view: CaptureView,
    private readonly connId: number,
    private readonly plan: ReplayPlan,
    private readonly reset: boolean,
    private readonly opts: RecordedServerOptions
  ) {}

  static async start(view: CaptureView, connId: number, opts: RecordedServerOptions): Promise<RecordedServer> {
    const conn = await view.connection(connId)
    if (!conn) throw new UserError(`no connection #${connId} in this capture`, 'ENOENT')
    const plan = await planReplay(view, connId)
    const rs = new RecordedServer(view, connId, plan, conn.end === 'server-reset', opts)
    rs.listener = await Listener.open(opts.listen, () => createServer({ allowHalfOpen: true, noDelay: true }, (socket) => rs.accept(socket)))
    rs.listen = rs.listener.address
    return rs
  }

  /** Clients connected now. */
  get open(): number {
    return this.sockets.size
  }

  /** Turns of the recorded conversation. */
  get turns(): number {
    return this.plan.turns.length
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
      this.tell({ client: name, played: 0, of: this.plan.turns.length, turns: [], matched: false, error: outOfDescriptors(budget.limit) })
      return
    }
    this.sockets.add(socket)
    const done = this.secured(socket, name)
      .then((s) => (s === undefined ? undefined : this.play(new PlayedClient(s, this.plan.turns.map((t) => t.client.length)), name)))
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
    this.tell({ client: name, played: 0, of: this.plan.turns.length, turns: [], matched: false, error: s.failure })
    return undefined
  }

  private async play(c: PlayedClient, name: string): Promise<void> {
    const timeoutMs = this.opts.timeoutMs ?? DEFAULT_REPLAY_TIMEOUT_MS
    const turns = this.plan.turns
    let played = 0
    let error: string | undefined
    try {
      for (let i = 0; i < turns.length && c.open; i++) {
        c.turn = Math.max(c.turn, i)
        const want = turns[i].client.length
        await c.wait(() => c.got[i].received >= want || c.clientEnded, timeoutMs)
        if (!(await this.send(c, turns[i].server))) break
        played++
      }
      if (played === turns.length && c.open) {
        if (this.reset) resetWhenFlushed(c.socket)
        else {
          // A recorded server that closed first closes now; one that closed after the client
          // (or never did) waits for the client's FIN, so the socket does not stay half-open.
          if (!this.plan.serverFin || this.plan.firstFin === 'client') await c.wait(() => c.clientEnded, Infinity)
          c.end()
        }
      }
    } catch (err) {
      error = (err as Error).message
      c.socket.destroy()
    }
    await c.closed
    this.tell(await this.report(c, name, played, error))
  }

  private tell(report: RecordedClientReport): void {
    try {
      this.opts.onClient?.(report)
    } catch {
      /* a caller's callback must not break the server */
    }
  }

  /** Writes a recorded server range in pieces, each once the client took the last; false once it cannot. */
  private async send(c: PlayedClient, range: StreamRange): Promise<boolean> {
    for await (const bytes of recordedPieces(this.view, this.connId, 'server', range)) {
      if (!c.open || !(await c.write(bytes))) return false
    }
    return c.open
  }

  private async report(c: PlayedClient, client: string, played: number, error: string | undefined): Promise<RecordedClientReport> {
    const turns = await Promise.all(
      this.plan.turns.map(async (t, index) => {
        const got = c.got[index]
        const expected = t.client.length
        let matched = got.received === expected
        if (matched && expected > 0) matched = (await this.recordedHash(index, t.client).catch(() => '')) === got.hash?.digest('hex')
        return { index, expected, received: got.received, matched }
      })
    )
    const r: RecordedClientReport = { client, played, of: turns.length, turns, matched: turns.every((t) => t.matched) }
    if (error !== undefined) r.error = error
    return r
  }

  /** The recorded client turn's hash, read once for all clients. */
  private recordedHash(index: number, range: StreamRange): Promise<string> {
    let h = this.hashes.get(index)
    if (!h) {
      h = rangeHash(this.view, this.connId, 'client', range)
      this.hashes.set(index, h)
    }
    return h
  }

  /** Stops listening and closes every client (their reports still come). */
  async stop(): Promise<void> {
    this.stopped = true
    const closed = this.listener.close()
    for (const s of this.sockets) s.destroy()
    await Promise.all([closed, ...this.clients])
  }
}


interface ClientTurn {
  received: number
  /** Made on the turn's first byte: a long conversation costs no hash per turn not yet reached. */
  hash?: Hash
}

/**
 * One connected client: what it sent per turn, and waits that end on its bytes, its close
 * or a timeout. Bytes go to the turn being played until it has its recorded length, then
 * on to the next turns (a client may send ahead); the last turn takes any surplus.
 */
class PlayedClient {
  readonly got: ClientTurn[]
  /** The turn being played. */
  turn = 0
  clientEnded = false
  private closed_ = false
  private readonly waits = new Waits(() => this.open)
  readonly closed: Promise<void>

  constructor(
    readonly socket: Socket,
    private readonly expected: number[]
  ) {
    this.got = expected.map(() => ({ received: 0 }))
    socket.on('data', (chunk: Buffer) => {
      this.feed(chunk)
      this.wake()
    })
    socket.on('end', () => {
      this.clientEnded = true
      this.wake()
    })
    // A reset or a broken pipe: 'close' follows and ends the play. A TLS alert leaves a TLSSocket open: closed here.
    socket.on('error', () => void (socket.destroyed || socket.destroy()))
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed_ = true
        resolve()
        this.wake()
      })
    )
  }

  get open(): boolean {
    return !this.closed_ && !this.socket.destroyed
  }

  private feed(chunk: Buffer): void {
    let rest = chunk
    const last = this.got.length - 1
    while (rest.length > 0) {
      while (this.turn < last && this.got[this.turn].received >= this.expected[this.turn]) this.turn++
      const t = this.got[this.turn]
      const part = this.turn < last ? rest.subarray(0, this.expected[this.turn] - t.received) : rest
      t.received += part.length
      t.hash ??= createHash('sha256')
      t.hash.update(part)
      rest = rest.subarray(part.length)
    }
  }

  private wake(): void {
    this.waits.wake()
  }

  /** Resolves once `done()` holds, the socket closed, or `ms` passed. */
  wait(done: () => boolean, ms: number): Promise<void> {
    return this.waits.until(done, ms)
  }

  /** Writes, then waits until the socket takes more; false once it cannot. */
  async write(bytes: Buffer): Promise<boolean> {
    if (!this.open || this.socket.writableEnded) return false
    if (this.socket.write(bytes)) return true
    await drainedOrClosed(this.socket)
    return this.open
  }

  /** The server's FIN; the socket closes once the client's comes too. */
  end(): void {
    if (this.open && !this.socket.writableEnded) this.socket.end()
  }
}
