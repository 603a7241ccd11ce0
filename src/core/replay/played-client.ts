// One client of a recorded server, whatever is played to it (turns or messages): its bytes
// go to the script as they come, waits end on its bytes, its FIN, its close or a timeout,
// and writes wait until the socket takes more (a client that never reads holds the server's
// sending, not its memory).

import type { Socket } from 'node:net'
import type { CaptureView } from '../capture/query/capture-queries'
import { drainedOrClosed, resetWhenFlushed } from '../net/sockets'
import { recordedPieces } from './recorded-bytes'
import type { ReplayPlan, StreamRange } from './replay-plan'
import { Waits } from './waits'

export class PlayedClient {
  clientEnded = false
  private closed_ = false
  private readonly waits = new Waits(() => this.open)
  readonly closed: Promise<void>

  constructor(
    readonly socket: Socket,
    onData: (chunk: Buffer) => void
  ) {
    socket.on('data', (chunk: Buffer) => {
      onData(chunk)
      this.waits.wake()
    })
    socket.on('end', () => {
      this.clientEnded = true
      this.waits.wake()
    })
    // A reset or a broken pipe: 'close' follows and ends the play. A TLS alert leaves a TLSSocket open: closed here.
    socket.on('error', () => void (socket.destroyed || socket.destroy()))
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed_ = true
        resolve()
        this.waits.wake()
      })
    )
  }

  get open(): boolean {
    return !this.closed_ && !this.socket.destroyed
  }

  /** Something a wait may depend on changed (the script's own state). */
  wake(): void {
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

  /** Writes a recorded server range in pieces, each once the client took the last (`sent` sees each); false once it cannot. */
  async send(view: CaptureView, connId: number, range: StreamRange, sent?: (bytes: Buffer) => void): Promise<boolean> {
    for await (const bytes of recordedPieces(view, connId, 'server', range)) {
      if (!this.open || !(await this.write(bytes))) return false
      sent?.(bytes)
    }
    return this.open
  }

  /**
   * Everything was played: ends as the recording did. A recorded reset is sent once the
   * answers are flushed; a server that closed first closes now; one that closed after the
   * client (or never did) waits for the client's FIN, so the socket does not stay half-open.
   */
  async endAsRecorded(plan: Pick<ReplayPlan, 'serverFin' | 'firstFin'>, reset: boolean): Promise<void> {
    if (!this.open) return
    if (reset) return resetWhenFlushed(this.socket)
    if (!plan.serverFin || plan.firstFin === 'client') await this.wait(() => this.clientEnded, Infinity)
    if (this.open && !this.socket.writableEnded) this.socket.end()
  }
}
