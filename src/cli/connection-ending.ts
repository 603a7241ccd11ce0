// How `connect`'s connection ended, told from the engine's events: the server's FIN, its
// reset, an error, or a connect that failed; each becomes one stderr line and an exit code.

import type { EngineEvent } from '../shared/events'
import { EXIT, ExitError } from './exit-codes'

export interface Ending {
  /** The stderr line (without `tcpscope: `), or undefined for an end not worth a line. */
  message?: string
  exitCode: number
}

export class ConnectionEnding {
  private serverFin = false
  private reset = false
  private failure: string | undefined
  /** The error code of a connect attempt that failed. */
  private connectFailed: string | undefined
  private finished!: () => void
  /** Resolves once the server can send nothing more: its FIN, a reset, an error, the close. */
  readonly over = new Promise<void>((resolve) => (this.finished = resolve))

  /** Feed every event of the engine: connect's engine holds this one connection only. */
  see(e: EngineEvent): void {
    if (e.type !== 'conn-event') return
    const { kind, dir } = e.event
    if (kind === 'connect-failed') this.connectFailed = String(e.event.info?.code)
    else if (kind === 'reset' && dir === 'server') this.reset = true
    else if (kind === 'error' && dir === 'server') this.failure ??= `${String(e.event.info?.code)}: ${String(e.event.info?.message)}`
    else if (kind === 'fin' && dir === 'server') this.serverFin = true
    else if (kind !== 'close') return
    if (this.connectFailed === undefined) this.finished()
  }

  /**
   * The engine's rejection of the connect, with the exit code of a connection that was
   * never made; the error as it is when something else (a bad target) was wrong.
   */
  connectError(err: unknown): unknown {
    if (this.connectFailed === undefined || !(err instanceof Error)) return err
    // A server that accepts and resets at once fails the connect with ECONNRESET.
    return new ExitError(err.message, this.connectFailed === 'ECONNRESET' ? EXIT.reset : EXIT.notConnected)
  }

  /** How a conversation that ran its course ended. */
  ending(): Ending {
    if (this.reset) return { message: 'the server reset the connection', exitCode: EXIT.reset }
    if (this.failure) return { message: `the connection failed: ${this.failure}`, exitCode: EXIT.failed }
    if (this.serverFin) return { message: 'the server closed the connection', exitCode: EXIT.ok }
    return { exitCode: EXIT.ok }
  }

  /** Why --expect saw no match, when the connection's end (not the clock) decided it. */
  expectEnding(pattern: string): Ending | undefined {
    const before = `before a reply matched /${pattern}/`
    if (this.reset) return { message: `the server reset the connection ${before}`, exitCode: EXIT.reset }
    if (this.failure) return { message: `the connection failed (${this.failure}) ${before}`, exitCode: EXIT.failed }
    if (this.serverFin) return { message: `the server finished sending ${before}`, exitCode: EXIT.failed }
    return undefined
  }
}
