// A server session's traffic rules (`serve --rules`): a mock server with no target behind.
// Each client connection gets the rules' stage pair (rules/traffic-pair.ts) with `noTarget`:
// what a client sends goes into the client direction's stage, whose bytes for a target go
// nowhere; what the rules answer comes out of the target direction's stage to the client,
// written as the session writes anything (recorded as the server's bytes). A forward step
// sends its request elsewhere as a proxy's does (rules/forward-senders.ts), its connection
// recorded into the session's capture.

import type { LiveCapture } from '../capture/write/live-capture'
import { stageFailure, type StagePair, type StagePort } from '../proxy/forward-stage'
import { forwardSenders } from '../rules/forward-senders'
import { trafficPair } from '../rules/traffic-pair'
import type { TrafficRules } from '../rules/traffic-rules'
import type { SessionConnection } from './session-connection'

export class SessionRules {
  private readonly pairs = new WeakMap<SessionConnection, { pair: StagePair; ports: { client: StagePort; server: StagePort } }>()

  constructor(
    readonly traffic: TrafficRules,
    private readonly capture: LiveCapture
  ) {}

  /** Whether the session answers by rules (it has some, or a script). */
  get active(): boolean {
    return this.traffic.active
  }

  /** Starts connection `conn`'s stages (at accept). */
  open(conn: SessionConnection, client: string, where: string): void {
    const script = this.traffic.script
    const baseDir = this.traffic.baseDir
    const pair = trafficPair({
      rules: this.traffic.set,
      connId: conn.id,
      conn: () => ({ client, targetHost: where.replace(/:\d+$/, ''), ...(/:(\d+)$/.test(where) ? { targetPort: Number(/:(\d+)$/.exec(where)![1]) } : {}) }),
      noTarget: true,
      ...forwardSenders(this.capture),
      ...(baseDir !== undefined ? { baseDir } : {}),
      ...(script !== undefined ? { script } : {})
    })
    const port = (dir: 'client' | 'server'): StagePort => ({
      // The client direction's output would go to a target: there is none.
      send: (bytes) => {
        if (dir === 'client' || !conn.canSend) return true
        conn.sendBytes(bytes)
        return !conn.congested
      },
      end: () => {
        if (dir === 'server' && conn.canSend) conn.endOutput()
      },
      hold: (held) => conn.hold('replies', held),
      event: (kind, info) => conn.rec.event(kind, dir, info),
      // tcpscope is the server here: a rule's reset is the server's (server-reset), said to be the rule's.
      reset: () => {
        if (!conn.closed) conn.reset('reset by a rule')
      },
      close: () => {
        if (!conn.closed) conn.close()
      },
      // No target, so never down: nothing took over for one.
      refuse: () => {
        if (!conn.closed) conn.reset('reset by a rule')
      },
      fail: (err) => conn.fail(stageFailure(dir, err))
    })
    const ports = { client: port('client'), server: port('server') }
    // A client's FIN goes to the stages, which answer every request before it and then end the
    // connection (fin below). Node's own end on the client's FIN (a server not half-open) came
    // before an answer that took a while (a script's, a delay step's), which was then lost.
    conn.socket.allowHalfOpen = true
    pair.client?.open?.(ports.client)
    pair.server?.open?.(ports.server)
    this.pairs.set(conn, { pair, ports })
  }

  /** Whether `conn` is answered by rules (its stages were started). */
  has(conn: SessionConnection): boolean {
    return this.pairs.has(conn)
  }

  data(conn: SessionConnection, chunk: Buffer): void {
    const p = this.pairs.get(conn)
    p?.pair.client?.data(chunk, p.ports.client)
  }

  /** The client's FIN: what came before it is answered, then the connection ends. */
  fin(conn: SessionConnection): void {
    const p = this.pairs.get(conn)
    p?.pair.client?.fin(p.ports.client)
  }

  closed(conn: SessionConnection): void {
    const p = this.pairs.get(conn)
    p?.pair.client?.close?.()
    p?.pair.server?.close?.()
    this.pairs.delete(conn)
  }
}
