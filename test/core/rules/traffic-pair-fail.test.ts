// A rule stage that throws once the script's onConnect answered (out of the proxy's own call
// to it) ends the connection as one that throws in that call does: through the port's `fail`
// (ProxyConnection.stageFailed: an `error` with code ESTAGE), not as a rule's reset.
import { describe, expect, it } from 'vitest'
import type { StagePort } from '../../../src/core/proxy/forward-stage'
import type { RuleSet } from '../../../src/core/rules/rule-set'
import type { ScriptHost } from '../../../src/core/rules/script/script-host'
import { trafficPair } from '../../../src/core/rules/traffic-pair'
import { waitFor } from '../../helpers/net'

describe('traffic rules after onConnect', () => {
  it("a stage that throws ends the connection through the port's fail, not its reset", async () => {
    const calls: string[] = []
    let failed: unknown
    const port: StagePort = {
      send: () => true,
      end: () => calls.push('end'),
      hold: () => {},
      event: () => {},
      reset: (by) => calls.push(`reset:${by}`),
      close: () => calls.push('close'),
      refuse: () => calls.push('refuse'),
      fail: (err) => {
        calls.push('fail')
        failed = err
      }
    }
    // Rules that break as soon as a stage looks at them.
    const rules = new Proxy({}, {
      get: () => {
        throw new Error('the rules broke')
      }
    }) as RuleSet
    const script = { has: (hook: string) => hook === 'onConnect', onConnect: async () => ({}) } as unknown as ScriptHost
    const pair = trafficPair({ rules, connId: 1, conn: () => ({ client: '127.0.0.1:5000', targetHost: '127.0.0.1', targetPort: 80 }), script })
    pair.client!.open!(port)
    pair.server!.open!(port)
    // Kept while onConnect runs, then given to the stage, which throws.
    pair.client!.data(Buffer.from('GET / HTTP/1.1\r\nhost: a.test\r\n\r\n'), port)
    await waitFor(() => calls.length > 0, 'the connection to end')
    expect(calls).toEqual(['fail'])
    expect((failed as Error).message).toBe('the rules broke')
  })
})
