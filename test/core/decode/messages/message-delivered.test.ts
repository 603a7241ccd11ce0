// A raw connection's messages as their receivers got them (msg.delivered), from real redis
// traffic through a proxy with traffic rules: a GET answered by a rule (its answer, toward
// the client, described as redis reads it), a SET whose value a rule rewrote (what redis got
// instead, its bulk length refit), a PING dropped (redis got nothing), and messages no rule
// touched (nothing to say); the target's answers pair with the commands it got. Then a
// device's own protocol cut by a .ksy through a proxy to a real server, with the script's
// onMessage and message rules: what they changed reads as what the server got, decoded by
// the same .ksy, and what they dropped reads as not delivered (as the Hex tab's stream says).
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { startRedis } from '../../../helpers/redis'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { connectTo, startServer, waitFor } from '../../../helpers/net'
import { closedConnections } from '../../../helpers/capture-checks'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const cmd = (...words: string[]): string => `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`

describe('a message as delivered', () => {
  it('says what the receiver got for a mocked, a rewritten and a dropped redis command, and nothing for the others', async (ctx) => {
    needProgram(ctx, 'redis-server', hasProgram('redis-server'))
    const t = await testEngine()
    cleanups.push(t.dispose)
    const redis = await startRedis(t.dir)
    cleanups.push(redis.stop)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${redis.port}` })
    await t.engine['rules.set']({
      proxyId: proxy.id,
      rules: [
        { name: 'flag on', match: { resp: { command: 'GET', key: 'feature-flag' } }, steps: [{ respond: { resp: { bulk: 'on' } } }] },
        { name: 'louder', match: { resp: { command: 'SET', key: 'greeting' } }, steps: [{ rewrite: { bytes: [{ find: 'hello', with: 'hello world' }] } }] },
        { name: 'no pings', match: { resp: { command: 'PING' } }, steps: [{ drop: true }] }
      ]
    })
    const s = await connectTo(portOf(proxy.listen))
    let got = ''
    s.on('data', (c: Buffer) => (got += c.toString('latin1')))
    s.write(cmd('GET', 'feature-flag') + cmd('SET', 'greeting', 'hello') + cmd('PING') + cmd('GET', 'greeting'))
    await waitFor(() => got === '$2\r\non\r\n+OK\r\n$11\r\nhello world\r\n' && got, 'the replies')
    s.end()
    const [conn] = await closedConnections(t.engine, 1)
    const page = await t.engine['msg.page']({ capture: 'live', connId: conn.id })
    const summaries = page.messages.map((m) => `${m.dir} ${m.summary}`)
    const at = (summary: string): number => summaries.findIndex((x) => x === summary)
    expect(at('client GET feature-flag')).toBeGreaterThanOrEqual(0)
    // The target's answers pair with the commands it got: not with the one a rule answered, nor the one dropped.
    const pairOf = (summary: string): string | undefined => {
      const m = page.messages[at(summary)]
      return m.pair === undefined ? undefined : `${page.messages[m.pair].dir} ${page.messages[m.pair].summary}`
    }
    expect(pairOf('client GET feature-flag')).toBeUndefined()
    expect(pairOf('client PING')).toBeUndefined()
    expect(pairOf('client SET greeting hello')).toBe('server +OK')
    expect(pairOf('client GET greeting')).toBe('server "hello world"')
    const delivered = (message: number) => t.engine['msg.delivered']({ capture: 'live', connId: conn.id, message })

    const mock = await delivered(at('client GET feature-flag'))
    expect(mock.notes).toEqual(['rule "flag on": answered GET feature-flag (not sent to the target)'])
    expect(mock.acts).toEqual([expect.objectContaining({ label: 'flag on', action: 'respond', summary: 'GET feature-flag' })])
    expect(mock.acts[0].delivered).toBeUndefined()
    expect(mock.got).toMatchObject({ dir: 'server', answer: true, summary: 'on', size: 8 })
    expect(Buffer.from(mock.got!.bytes).toString()).toBe('$2\r\non\r\n')

    const set = await delivered(at('client SET greeting hello'))
    expect(set.notes).toEqual(['rule "louder": rewrote SET greeting hello'])
    expect(set.got).toMatchObject({ dir: 'client', answer: false, summary: expect.stringContaining('hello world') })
    expect(Buffer.from(set.got!.bytes).toString()).toBe(cmd('SET', 'greeting', 'hello world'))
    expect(set.got!.fields.length).toBeGreaterThan(0)

    const ping = await delivered(at('client PING'))
    expect(ping.none).toBe(true)
    expect(ping.got).toBeUndefined()
    expect(ping.notes[0]).toMatch(/^rule "no pings": PING dropped/)

    expect(await delivered(at('client GET greeting'))).toEqual({ notes: [], acts: [] })
    await expect(delivered(99)).rejects.toThrow(/has no message 100 \(it has \d+\)/)

    // msg.changes says the same of a page at once, without what was delivered (tcpscope show reads it).
    const changes = await t.engine['msg.changes']({ capture: 'live', connId: conn.id, from: 0, limit: 500 })
    expect(changes.total).toBe(page.total)
    for (const [k, facts] of changes.messages.entries()) {
      const { got, ...rest } = await delivered(k)
      expect(facts).toEqual({ ...rest, ...(got ? { got: { dir: got.dir, answer: got.answer } } : {}) })
    }
  })
})

/** A small device protocol: a type, a length, then a key and a value for a PUT; a PING is empty. */
const BLOB_KSY = `meta:
  id: blob_msg
  endian: be
seq:
  - id: msg_type
    type: u2
    enum: msg_type
  - id: len
    type: u4
  - id: payload
    size: len
    type:
      switch-on: msg_type
      cases:
        'msg_type::put': put
enums:
  msg_type:
    2: put
    4: ping
types:
  put:
    seq:
      - id: key_len
        type: u2
      - id: key
        type: str
        size: key_len
        encoding: UTF-8
      - id: value_len
        type: u4
      - id: value
        type: str
        size: value_len
        encoding: UTF-8
`

const put = (key: string, value: string): Buffer => {
  const k = Buffer.from(key)
  const v = Buffer.from(value)
  const body = Buffer.concat([Buffer.from([k.length >> 8, k.length & 255]), k, Buffer.alloc(4), v])
  body.writeUInt32BE(v.length, 2 + k.length)
  const head = Buffer.alloc(6)
  head.writeUInt16BE(2)
  head.writeUInt32BE(body.length, 2)
  return Buffer.concat([head, body])
}
const PING = Buffer.from([0, 4, 0, 0, 0, 0])

/** A proxy cut by BLOB_KSY to a real server; `setup` gives it its script or rules. What the server got, and the connection's messages once sent. */
async function blobThroughProxy(setup: (t: TestEngine, proxyId: string) => Promise<void>, sent: Buffer[], expected: Buffer) {
  const t = await testEngine()
  cleanups.push(t.dispose)
  const received: Buffer[] = []
  const server = await startServer((s) => {
    s.on('error', () => {})
    s.on('data', (c: Buffer) => received.push(c))
    s.on('end', () => s.end())
  })
  cleanups.push(server.close)
  const ksy = join(t.dir, 'blob.ksy')
  await writeFile(ksy, BLOB_KSY)
  const frame = `ksy:${ksy}`
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}`, frame })
  await setup(t, proxy.id)
  const s = await connectTo(portOf(proxy.listen))
  for (const m of sent) await new Promise((r) => s.write(m, r))
  await waitFor(() => Buffer.concat(received).equals(expected), 'what the server got')
  s.end()
  const [conn] = await closedConnections(t.engine, 1)
  const page = await t.engine['msg.page']({ capture: 'live', connId: conn.id })
  expect(page.messages).toHaveLength(sent.length)
  const delivered = (message: number) => t.engine['msg.delivered']({ capture: 'live', connId: conn.id, message })
  return { t, page, delivered }
}

describe('a message a script or a message rule acted on, as delivered', () => {
  it("reads the script's change as what the server got, and its drop as nothing delivered", async () => {
    const hooks = `export function onMessage(msg, ctx) {
  if (msg.dir !== 'client') return
  if (msg.fields.msg_type === 'ping (4)') return ctx.drop()
  if (msg.fields.value === 'blue') msg.bytes = new Uint8Array(${JSON.stringify([...put('color', 'crimson')])})
}
`
    const sent = [put('color', 'blue'), PING, put('size', 'xl')]
    const { delivered } = await blobThroughProxy(async (t, proxyId) => {
      const path = join(t.dir, 'hooks.js')
      await writeFile(path, hooks)
      await t.engine['script.load']({ proxyId, path })
    }, sent, Buffer.concat([put('color', 'crimson'), put('size', 'xl')]))

    const changed = await delivered(0)
    expect(changed.notes).toEqual([expect.stringMatching(/^the script changed blob_msg msg_type=put/)])
    expect(changed.none).toBeUndefined()
    expect(changed.got).toMatchObject({ dir: 'client', answer: false, size: put('color', 'crimson').length, summary: expect.stringContaining('key=color') as unknown })
    expect(Buffer.from(changed.got!.bytes)).toEqual(put('color', 'crimson'))
    expect(changed.got!.fields.flatMap(function all(f): string[] { return [`${f.name}=${f.value ?? ''}`, ...(f.children ?? []).flatMap(all)] })).toContain('value=crimson')

    const dropped = await delivered(1)
    expect(dropped.notes).toEqual([expect.stringMatching(/^the script dropped blob_msg msg_type=ping/)])
    expect(dropped.none).toBe(true)
    expect(dropped.got).toBeUndefined()

    expect(await delivered(2)).toEqual({ notes: [], acts: [] })
  })

  it("reads a message rule's rewrite as what the server got, and its drop as nothing delivered", async () => {
    const sent = [put('color', 'blue'), put('gone', 'x'), put('size', 'xl')]
    const { delivered } = await blobThroughProxy(async (t, proxyId) => {
      await t.engine['rules.set']({
        proxyId,
        rules: [
          { name: 'teal', match: { message: { dir: 'client', fields: { key: 'color' } } }, steps: [{ rewrite: { bytes: [{ find: 'blue', with: 'teal' }] } }] },
          { name: 'no gone', match: { message: { dir: 'client', fields: { key: 'gone' } } }, steps: [{ drop: true }] }
        ]
      })
    }, sent, Buffer.concat([put('color', 'teal'), put('size', 'xl')]))

    const changed = await delivered(0)
    expect(changed.notes).toEqual([expect.stringMatching(/^rule "teal": rewrote blob_msg msg_type=put/)])
    expect(Buffer.from(changed.got!.bytes)).toEqual(put('color', 'teal'))
    const dropped = await delivered(1)
    expect(dropped.notes).toEqual([expect.stringMatching(/^rule "no gone": .*dropped/)])
    expect(dropped.none).toBe(true)
    expect(dropped.got).toBeUndefined()
    expect(await delivered(2)).toEqual({ notes: [], acts: [] })
  })
})
