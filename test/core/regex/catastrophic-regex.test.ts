// A regex that backtracks without end in V8 (`^(a+)+$` over 1 MiB of 'a' and a 'b') given to
// find, a reply rule and conn.expect: each gives the right answer, and the engine answers
// other commands meanwhile. With V8's RegExp the reply rule alone never returned.
import { afterEach, describe, expect, it } from 'vitest'
import { connectTo, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { oneLineRejection } from '../../helpers/errors'
import { connIdOf, SocketReader, summaryOf } from '../../helpers/sessions'

let t: TestEngine
afterEach(async () => t?.dispose())

const MIB = 1024 * 1024
const CATASTROPHIC = '^(a+)+$'

describe('a catastrophic regular expression', () => {
  it('runs in a reply rule, conn.expect and conn.search with the right answers while the engine keeps answering', async () => {
    t = await testEngine()
    const server = await t.engine['server.start']({
      listen: '127.0.0.1:0',
      behaviour: {
        rules: [
          { match: 'regex', pattern: CATASTROPHIC, reply: { kind: 'text', data: 'only a\\n' } },
          { match: 'ends', pattern: 'b', reply: { kind: 'text', data: 'END\\n' } }
        ]
      }
    })
    const client = await connectTo(portOf(server.listen))
    const reader = new SocketReader(client)
    const connId = await connIdOf(t.engine, client)
    client.write(Buffer.concat([Buffer.alloc(MIB, 'a'), Buffer.from('b')]))

    // Each chunk of only 'a' is answered by the first rule; the last one, ending in 'b', by the second.
    await waitFor(() => reader.text.endsWith('END\n'), 'the reply to the last chunk', 60_000)
    expect(reader.text).toMatch(/^(only a\n)*END\n$/)
    await waitFor(() => summaryOf(t.engine, connId).bytes.client === MIB + 1, 'the server to record it all')

    // What came ends in 'b', so it does not match; the same ending in 'a' does.
    expect(await t.engine['conn.expect']({ connId, pattern: CATASTROPHIC, fromOffset: 0, timeoutMs: 1 })).toEqual({ matched: false })
    const whole = await t.engine['conn.expect']({ connId, pattern: '^(a+)+b$', fromOffset: 0, timeoutMs: 60_000 })
    expect(whole.matched && whole.match?.length).toBe(MIB)

    // Find over the whole stream, with a page of the connection list asked for meanwhile.
    const searching = t.engine['conn.search']({ capture: 'live', connId, dir: 'client', pattern: { kind: 'regex', value: CATASTROPHIC, encoding: 'latin1' } })
    const page = await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 10 })
    expect(page.rows.map((r) => r.id)).toContain(connId)
    expect(await searching).toEqual({ found: false })
    expect(
      await t.engine['conn.search']({ capture: 'live', connId, dir: 'client', pattern: { kind: 'regex', value: '(a+)+b', encoding: 'latin1' } })
    ).toMatchObject({ found: true })
    client.destroy()
  }, 120_000)

  it('refuses backreferences and lookahead everywhere a regex is taken, in one line saying why', async () => {
    t = await testEngine()
    const rule = await oneLineRejection(
      t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { rules: [{ match: 'regex', pattern: '(\\w+) \\1', reply: { kind: 'text', data: 'x' } }] } })
    )
    expect(rule).toMatch(/^reply rule 1: \/\(\\w\+\) \\1\/ uses a backreference \(\\1\), which tcpscope's regular expressions do not support: they run on RE2/)
    const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    const client = await connectTo(portOf(server.listen))
    const connId = await connIdOf(t.engine, client)
    expect(await oneLineRejection(t.engine['conn.expect']({ connId, pattern: 'OK(?=\\r\\n)', timeoutMs: 100 }))).toMatch(/^\/OK\(\?=\\r\\n\)\/ uses a lookahead/)
    expect(
      await oneLineRejection(t.engine['conn.search']({ capture: 'live', connId, dir: 'client', pattern: { kind: 'regex', value: '(?>a+)' } }))
    ).toMatch(/^search: \/\(\?>a\+\)\/ uses an atomic group/)
    client.destroy()
  })
})
