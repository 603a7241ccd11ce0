// A raw connection's messages as their receivers got them (msg.delivered), from real redis
// traffic through a proxy with traffic rules: a GET answered by a rule (its answer, toward
// the client, described as redis reads it), a SET whose value a rule rewrote (what redis got
// instead, its bulk length refit), a PING dropped (redis got nothing), and messages no rule
// touched (nothing to say); the target's answers pair with the commands it got.
import { afterEach, describe, expect, it } from 'vitest'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { startRedis } from '../../../helpers/redis'
import { portOf, testEngine } from '../../../helpers/engine'
import { connectTo, waitFor } from '../../../helpers/net'
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
  })
})
