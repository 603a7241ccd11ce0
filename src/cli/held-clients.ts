// serve --pause-on-connect: clients are accepted but nothing is read from them (their
// bytes wait in the kernel, then fill its buffers) until the user lets them go. A CLI has
// no button for that, so the signal SIGUSR2 resumes every client held so far; each client
// that connects later is held again.

import type { Engine } from '../core/engine'
import type { EngineEvent } from '../shared/events'
import { formatTimestamp } from '../shared/format'
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

  /** Says so when a client connects (and is held). */
  see(e: EngineEvent): void {
    if (e.type === 'conn-opened') this.say(e.conn.id, 'held', `held: nothing is read from it until ${RESUME_SIGNAL} (kill -USR2 ${process.pid})`)
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
