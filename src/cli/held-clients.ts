// serve --pause-on-connect: clients are accepted but nothing is read from them (their
// bytes wait in the kernel, then fill its buffers) until the user lets them go. A CLI has
// no button for that, so the signal SIGUSR2 resumes every client held so far; each client
// that connects later is held again.

import type { Engine } from '../core/engine'
import type { EngineEvent } from '../shared/events'
import { formatTimestamp } from '../shared/human-readable'
import type { EventPrinter } from './engine-run'

const RESUME_SIGNAL = 'SIGUSR2'

export const HOLD_NOTE = `clients are held unread until ${RESUME_SIGNAL}: kill -USR2 ${process.pid}`

export class HeldClients {
  private readonly resume = (): void => void this.resumeAll()

  constructor(
    private readonly engine: Engine,
    private readonly serverId: string,
    private readonly printer: EventPrinter,
    private readonly json: boolean
  ) {
    // Windows has no SIGUSR2: there the clients stay held until the server stops.
    if (process.platform !== 'win32') process.on(RESUME_SIGNAL, this.resume)
  }

  /** Clients said to be held and not yet resumed or closed. */
  private readonly announced = new Set<number>()

  /**
   * Says so when a client is held. Told from the session's list of paused clients, not
   * from each connection that opens: a client turned away (out of descriptors) opens too.
   */
  see(e: EngineEvent): void {
    if (e.type !== 'session-updated' || e.session.id !== this.serverId || e.session.kind !== 'server') return
    const paused = new Set(e.session.paused)
    for (const id of this.announced) if (!paused.has(id)) this.announced.delete(id)
    for (const id of paused) {
      if (this.announced.has(id)) continue
      this.announced.add(id)
      this.say(id, 'held', `held: nothing is read from it until ${RESUME_SIGNAL} (kill -USR2 ${process.pid})`)
    }
  }

  private async resumeAll(): Promise<void> {
    const server = (await this.engine['session.list']()).find((s) => s.id === this.serverId)
    if (server?.kind !== 'server') return
    for (const connId of server.paused) {
      try {
        await this.engine['conn.resume']({ connId })
        this.say(connId, 'resumed', 'resumed')
      } catch {
        // It closed since the list was made: nothing left to resume.
      }
    }
  }

  private say(connId: number, what: string, text: string): void {
    this.printer.say(this.json ? JSON.stringify({ type: `conn-${what}`, connId }) : `${formatTimestamp(Date.now(), false)} #${connId} ${text}`)
  }

  dispose(): void {
    process.off(RESUME_SIGNAL, this.resume)
  }
}
