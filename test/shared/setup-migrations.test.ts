// The setup format's migration path: a document of an older version is brought up one step
// at a time before its fields are checked; a newer one, or one with no way up, is refused in
// one line. Format 1 is the first, so the steps here are the test's own.
import { describe, expect, it } from 'vitest'
import { parseSetup, SETUP_MIGRATIONS } from '../../src/shared/setup-migrations'

describe('parseSetup', () => {
  it('reads a current document as it is', () => {
    const setup = parseSetup({ kind: 'tcpscope-setup', version: 1, servers: [{ listen: '127.0.0.1:9000', behaviour: { echo: true } }] })
    expect(setup).toEqual({ kind: 'tcpscope-setup', version: 1, proxies: [], servers: [{ listen: '127.0.0.1:9000', behaviour: { echo: true } }], clients: [] })
  })

  it('has no step yet: format 1 is the first', () => {
    expect(SETUP_MIGRATIONS).toEqual({})
  })

  it('migrates step by step from an older format before checking the fields', () => {
    // As if format 3 were current: 1 called the list "forwarders", 2 wrote targets as {host, port}.
    const steps = {
      1: ({ forwarders, ...rest }: Record<string, unknown>) => ({ ...rest, proxies: forwarders }),
      2: (doc: Record<string, unknown>) => ({
        ...doc,
        proxies: (doc.proxies as Array<{ listen: string; target: { host: string; port: number } }>).map((p) => ({ start: { listen: p.listen, target: `${p.target.host}:${p.target.port}` } }))
      })
    }
    const setup = parseSetup({ kind: 'tcpscope-setup', version: 1, forwarders: [{ listen: '127.0.0.1:6380', target: { host: '127.0.0.1', port: 6379 } }] }, steps, 3)
    expect(setup.proxies).toEqual([{ start: { listen: '127.0.0.1:6380', target: '127.0.0.1:6379' }, toxics: [], breakpoints: [] }])
    expect(() => parseSetup({ kind: 'tcpscope-setup', version: 1 }, { 1: steps[1] }, 3)).toThrow('version: no way from format 2 to 3 in this tcpscope')
  })

  it('refuses what is not a setup, or is newer, in one line', () => {
    expect(() => parseSetup([])).toThrow('not a tcpscope setup: expected a JSON object')
    expect(() => parseSetup({ kind: 'har' })).toThrow('not a tcpscope setup: "kind" must be "tcpscope-setup"')
    expect(() => parseSetup({ kind: 'tcpscope-setup', version: '1' })).toThrow("version: expected a whole number from 1 (the setup format's version)")
    expect(() => parseSetup({ kind: 'tcpscope-setup', version: 2 })).toThrow('made by a newer tcpscope; this one reads formats up to 1: update tcpscope')
  })
})
