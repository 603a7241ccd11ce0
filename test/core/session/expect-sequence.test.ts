// conn.expect waits for the peer's bytes to match a regex (including bytes that came before
// the call, with fromOffset); conn.sequence sends steps in order and stops at the first
// reply that does not come.
import { afterEach, describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import iconv from 'iconv-lite'
import { startServer, waitFor } from '../../helpers/net'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { oneLineRejection } from '../../helpers/errors'
import { summaryOf } from '../../helpers/sessions'

let t: TestEngine
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  await t?.dispose()
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A client session to a server that runs `handle` on its side of the connection. */
async function sessionTo(handle: (s: Socket) => void): Promise<{ connId: number; remote: Socket }> {
  let accepted!: (s: Socket) => void
  const remoteSide = new Promise<Socket>((r) => (accepted = r))
  const server = await startServer((s) => {
    s.on('error', () => {})
    handle(s)
    accepted(s)
  })
  cleanups.push(server.close)
  const session = await t.engine['client.connect']({ target: `127.0.0.1:${server.port}` })
  return { connId: session.connId!, remote: await remoteSide }
}

/** A line server: answers `ADD a b` with `= sum`, `QUIT` with `bye` and a close, and ignores the rest. */
function calculator(s: Socket): void {
  let buf = ''
  s.setEncoding('utf8')
  s.on('data', (d: string) => {
    buf += d
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl).trim()
      buf = buf.slice(nl + 1)
      const add = /^ADD (\d+) (\d+)$/.exec(line)
      if (add) s.write(`= ${Number(add[1]) + Number(add[2])}\n`)
      else if (line === 'QUIT') s.end('bye\n')
    }
  })
}

describe('conn.expect', () => {
  it('resolves with the match and its groups when the reply comes', async () => {
    t = await testEngine()
    const { connId } = await sessionTo(calculator)
    const waiting = t.engine['conn.expect']({ connId, pattern: '= (\\d+)(x)?\\n', timeoutMs: 10_000 })
    await t.engine['conn.send']({ connId, payload: { kind: 'text', data: 'ADD 2 40\\n' } })
    expect(await waiting).toEqual({ matched: true, match: '= 42\n', groups: ['42', ''] })
  })

  it('finds a reply that came before the call when asked to look from offset 0', async () => {
    t = await testEngine()
    const { connId } = await sessionTo(calculator)
    await t.engine['conn.send']({ connId, payload: { kind: 'text', data: 'ADD 1 1\\n' } })
    await waitFor(() => summaryOf(t.engine, connId).bytes.server === 4, 'the reply to arrive')
    // By default only what arrives from now on counts, so the old reply is not seen.
    expect(await t.engine['conn.expect']({ connId, pattern: '= 2', timeoutMs: 100 })).toEqual({ matched: false })
    expect(await t.engine['conn.expect']({ connId, pattern: '= (\\d)', fromOffset: 0, timeoutMs: 10_000 })).toEqual({
      matched: true,
      match: '= 2',
      groups: ['2']
    })
  })

  it('matches across chunks, and decodes GBK when asked', async () => {
    t = await testEngine()
    const { connId, remote } = await sessionTo(() => {})
    const waiting = t.engine['conn.expect']({ connId, pattern: '你好，(\\S+)!', encoding: 'gbk', timeoutMs: 10_000 })
    const bytes = iconv.encode('你好，世界!', 'gbk')
    // Split inside a two-byte character, each part recorded before the next is sent.
    remote.write(bytes.subarray(0, 3))
    await waitFor(() => summaryOf(t.engine, connId).bytes.server === 3, 'the first part')
    remote.write(bytes.subarray(3))
    expect(await waiting).toEqual({ matched: true, match: '你好，世界!', groups: ['世界'] })
  })

  it('resolves unmatched when the timeout passes', async () => {
    t = await testEngine()
    const { connId } = await sessionTo(calculator)
    await t.engine['conn.send']({ connId, payload: { kind: 'text', data: 'ADD 1 2\\n' } })
    expect(await t.engine['conn.expect']({ connId, pattern: '= 4', fromOffset: 0, timeoutMs: 200 })).toEqual({ matched: false })
  })

  it('resolves unmatched when the connection closes while waiting', async () => {
    t = await testEngine()
    const { connId, remote } = await sessionTo(() => {})
    const waiting = t.engine['conn.expect']({ connId, pattern: 'never', timeoutMs: 30_000 })
    remote.resetAndDestroy()
    expect(await waiting).toEqual({ matched: false })
  })

  it('resolves unmatched when the peer ends its side, since nothing more can come', async () => {
    t = await testEngine()
    const { connId, remote } = await sessionTo(() => {})
    const waiting = t.engine['conn.expect']({ connId, pattern: 'never', timeoutMs: 30_000 })
    remote.end('last words')
    expect(await waiting).toEqual({ matched: false })
    // And at once for an expect that starts after the FIN, unless what came already matches.
    expect(await t.engine['conn.expect']({ connId, pattern: 'never', timeoutMs: 30_000 })).toEqual({ matched: false })
    expect(await t.engine['conn.expect']({ connId, pattern: 'last (\\w+)', fromOffset: 0, timeoutMs: 30_000 })).toEqual({
      matched: true,
      match: 'last words',
      groups: ['words']
    })
  })

  it('refuses a bad regex with a one-line error', async () => {
    t = await testEngine()
    const { connId } = await sessionTo(() => {})
    expect(await oneLineRejection(t.engine['conn.expect']({ connId, pattern: '([a-', timeoutMs: 100 }))).toMatch(
      /^bad regular expression \/\(\[a-\/: missing closing \]: \[a-$/
    )
  })
})

describe('conn.sequence', () => {
  it('runs the steps in order, each waiting for its reply', async () => {
    t = await testEngine()
    const { connId, remote } = await sessionTo(calculator)
    const received: string[] = []
    remote.on('data', (d: string) => received.push(d))
    const result = await t.engine['conn.sequence']({
      connId,
      steps: [
        { payload: { kind: 'text', data: 'ADD 1 2\\n' }, expect: '= 3\\n' },
        { payload: { kind: 'text', data: 'ADD 10 20\\n' }, expect: '= (\\d+)' },
        { payload: { kind: 'text', data: 'QUIT\\n' }, expect: 'bye' }
      ]
    })
    expect(result).toEqual({
      completed: true,
      steps: [
        { sent: 8, matched: true, match: '= 3\n' },
        { sent: 10, matched: true, match: '= 30' },
        { sent: 5, matched: true, match: 'bye' }
      ]
    })
    // Each step's expect only looks at replies after its own send: step 2 did not match step 1's "= 3".
    expect(received.join('')).toBe('ADD 1 2\nADD 10 20\nQUIT\n')
  })

  it('stops at the first step whose reply does not come', async () => {
    t = await testEngine()
    const { connId, remote } = await sessionTo(calculator)
    const received: string[] = []
    remote.on('data', (d: string) => received.push(d))
    const result = await t.engine['conn.sequence']({
      connId,
      steps: [
        { payload: { kind: 'text', data: 'ADD 1 2\\n' }, expect: '= 3' },
        { payload: { kind: 'text', data: 'MUL 2 3\\n' }, expect: '= 6', timeoutMs: 200 },
        { payload: { kind: 'text', data: 'ADD 5 5\\n' }, expect: '= 10' }
      ]
    })
    expect(result).toEqual({ completed: false, steps: [{ sent: 8, matched: true, match: '= 3' }, { sent: 8, matched: false }] })
    await waitFor(() => received.join('') === 'ADD 1 2\nMUL 2 3\n', 'the server to get both sends')
    expect(summaryOf(t.engine, connId).bytes.client).toBe(16)
  })

  it('sends steps without expect back to back', async () => {
    t = await testEngine()
    const { connId, remote } = await sessionTo(() => {})
    let received = ''
    remote.on('data', (d: Buffer) => (received += d.toString('hex')))
    const result = await t.engine['conn.sequence']({
      connId,
      steps: [
        { payload: { kind: 'hex', data: '01 02' } },
        { payload: { kind: 'text', data: 'A', checksum: 'xor8', eol: 'crlf' } }
      ]
    })
    expect(result).toEqual({ completed: true, steps: [{ sent: 2 }, { sent: 4 }] })
    await waitFor(() => received === '0102414' + '10d0a', 'both steps')
  })
})
