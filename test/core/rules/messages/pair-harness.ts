// The message rules' stage pair between two fake ports, for tests: what the target and the
// client got, the rule records each direction made, and whether the connection was ended.
import type { StagePort } from '../../../../src/core/proxy/forward-stage'
import { messageRulePair } from '../../../../src/core/rules/messages/message-rule-pair'
import { RuleSet } from '../../../../src/core/rules/rule-set'
import type { TrafficDeps } from '../../../../src/core/rules/traffic-deps'
import type { RuleEventInfo } from '../../../../src/shared/rules/rule-types'

export type Dir = 'client' | 'server'

/** The pair over `rules` on a connection to `port` (which says the protocol), its ports opened. */
export function harness(rules: unknown[], deps: Partial<TrafficDeps> = {}, port = 6379) {
  const set = new RuleSet()
  set.set(rules)
  const pair = messageRulePair({ rules: set, connId: 1, conn: () => ({ client: '127.0.0.1:5000', targetHost: '127.0.0.1', targetPort: port }), port: () => port, ...deps })
  const got = { target: [] as Buffer[], client: [] as Buffer[], events: [] as Array<RuleEventInfo & { dir: Dir }>, ended: { target: false, client: false }, closed: false, reset: false }
  const portOf = (dir: Dir): StagePort => ({
    send: (b) => {
      ;(dir === 'client' ? got.target : got.client).push(b)
      return true
    },
    end: () => (got.ended[dir === 'client' ? 'target' : 'client'] = true),
    hold: () => {},
    event: (_kind, info) => got.events.push({ ...(info as unknown as RuleEventInfo), dir }),
    reset: () => (got.reset = true),
    close: () => (got.closed = true),
    refuse: () => (got.reset = true),
    fail: () => (got.reset = true)
  })
  const ports = { client: portOf('client'), server: portOf('server') }
  pair.client!.open!(ports.client)
  pair.server!.open!(ports.server)
  return {
    set,
    got,
    send: (dir: Dir, bytes: string | Uint8Array) => pair[dir]!.data(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes as Uint8Array), ports[dir]),
    /** Each byte in its own chunk. */
    trickle: (dir: Dir, bytes: string) => {
      for (const b of Buffer.from(bytes)) pair[dir]!.data(Buffer.from([b]), ports[dir])
    },
    fin: (dir: Dir) => pair[dir]!.fin(ports[dir]),
    close: () => {
      pair.client!.close?.()
      pair.server!.close?.()
    },
    target: () => Buffer.concat(got.target).toString('latin1'),
    client: () => Buffer.concat(got.client).toString('latin1')
  }
}

export const cmd = (...words: string[]): string => `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`
export const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`
export const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms))

