// The message rules' stage pair on its own, between two fake ports: what the target and the
// client get, in what order, whatever TCP did to the bytes (a byte at a time, many messages in
// one read), and that bad bytes never throw.
import { describe, expect, it } from 'vitest'
import { mutate } from '../../protocols/messages/described'
import { seeded } from '../../protocols/messages/cut'
import { waitFor } from '../../../helpers/net'
import { bulk, cmd, harness, tick, type Dir } from './pair-harness'

const MOCK_FLAG = { match: { resp: { command: 'GET', key: 'feature-flag' } }, steps: [{ respond: { resp: { bulk: 'on' } } }] }

describe('message rules on a redis connection', () => {
  it('matches a command written a byte at a time and answers it once, without the target', async () => {
    const h = harness([MOCK_FLAG])
    h.trickle('client', cmd('GET', 'feature-flag'))
    await waitFor(() => h.client() !== '', 'the answer')
    await tick()
    expect(h.client()).toBe(bulk('on'))
    expect(h.target()).toBe('')
    expect(h.got.events).toMatchObject([{ action: 'respond', dir: 'client', offset: 0, size: cmd('GET', 'feature-flag').length, summary: 'GET feature-flag', delivered: Buffer.from(bulk('on')).toString('base64'), message: 'answered GET feature-flag (not sent to the target)' }])
    expect(h.set.list()[0].hits).toBe(1)
  })

  it('keeps a pipelined burst in order: the answer made here sits between the target replies', async () => {
    const h = harness([MOCK_FLAG])
    h.send('client', cmd('GET', 'a') + cmd('GET', 'feature-flag') + cmd('GET', 'b') + cmd('GET', 'feature-flag'))
    await tick()
    expect(h.target()).toBe(cmd('GET', 'a') + cmd('GET', 'b'))
    // Nothing goes before the target's first reply.
    expect(h.client()).toBe('')
    h.trickle('server', bulk('A'))
    await tick()
    expect(h.client()).toBe(bulk('A') + bulk('on'))
    h.send('server', bulk('B'))
    await tick()
    expect(h.client()).toBe(bulk('A') + bulk('on') + bulk('B') + bulk('on'))
  })

  it('passes over a rule once it acted `times` times', async () => {
    const h = harness([{ ...MOCK_FLAG, times: 1 }])
    h.send('client', cmd('GET', 'feature-flag'))
    await tick()
    h.send('client', cmd('GET', 'feature-flag'))
    await tick()
    expect(h.target()).toBe(cmd('GET', 'feature-flag'))
    h.send('server', '$-1\r\n')
    await tick()
    expect(h.client()).toBe(bulk('on') + '$-1\r\n')
    expect(h.set.list()[0]).toMatchObject({ hits: 1, left: 0 })
  })

  it('rewrites a value and refits its bulk length', async () => {
    const h = harness([{ match: { resp: { command: 'set' } }, steps: [{ rewrite: { bytes: [{ find: 'hello', with: 'hello world' }] } }] }])
    h.send('client', cmd('SET', 'k', 'hello'))
    await tick()
    expect(h.target()).toBe(cmd('SET', 'k', 'hello world'))
    expect(h.got.events).toMatchObject([{ action: 'rewrite', delivered: Buffer.from(cmd('SET', 'k', 'hello world')).toString('base64') }])
  })

  it('drops a command (its reply slot too), and times out another (nothing answers from then on)', async () => {
    const h = harness([
      { match: { resp: { command: 'DEL' } }, steps: [{ drop: true }] },
      { match: { resp: { command: 'BLPOP' } }, steps: [{ timeout: true }] }
    ])
    h.send('client', cmd('DEL', 'x') + cmd('GET', 'a'))
    await tick()
    expect(h.target()).toBe(cmd('GET', 'a'))
    h.send('server', bulk('A'))
    await tick()
    expect(h.client()).toBe(bulk('A'))
    h.send('client', cmd('BLPOP', 'q', '0') + cmd('GET', 'b'))
    await tick()
    h.send('server', bulk('B'))
    await tick()
    expect(h.target()).toBe(cmd('GET', 'a') + cmd('GET', 'b'))
    expect(h.client()).toBe(bulk('A'))
    expect(h.got.events.map((e) => e.action)).toEqual(['drop', 'timeout'])
  })

  it('delays a command, then sends it on in its order', async () => {
    const h = harness([{ match: { resp: { command: 'GET', key: 'slow' } }, steps: [{ delay: 40 }] }])
    h.send('client', cmd('GET', 'slow') + cmd('GET', 'fast'))
    await tick()
    expect(h.target()).toBe('')
    await waitFor(() => h.target() === cmd('GET', 'slow') + cmd('GET', 'fast'), 'both, in order')
  })

  it('closes the connection after the answers before it', async () => {
    const h = harness([{ match: { resp: { command: 'QUIT' } }, steps: [{ close: true }] }])
    h.send('client', cmd('GET', 'a') + cmd('QUIT'))
    await tick()
    expect(h.got.closed).toBe(false)
    h.send('server', bulk('A'))
    await tick()
    expect(h.client()).toBe(bulk('A'))
    expect(h.got.closed).toBe(true)
  })

  it('lets pub/sub pushes through as they come, before an answer made here is due', async () => {
    const h = harness([MOCK_FLAG])
    h.send('client', cmd('SUBSCRIBE', 'news'))
    await tick()
    h.send('server', '*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n')
    h.send('server', '*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n')
    await tick()
    expect(h.client()).toBe('*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n')
  })

  it("rewrites a server's reply, delays another, and keeps their order", async () => {
    const h = harness([
      { match: { message: { dir: 'server', summary: '+OK' } }, steps: [{ rewrite: { bytes: [{ find: 'OK', with: 'FINE' }] } }] },
      { match: { message: { dir: 'server', summary: 'slow' } }, steps: [{ delay: 30 }] }
    ])
    h.send('client', cmd('SET', 'k', 'v') + cmd('GET', 's') + cmd('GET', 'k'))
    await tick()
    h.send('server', '+OK\r\n$4\r\nslow\r\n$1\r\nv\r\n')
    await tick()
    expect(h.client()).toBe('+FINE\r\n')
    await waitFor(() => h.client() === '+FINE\r\n$4\r\nslow\r\n$1\r\nv\r\n', 'the delayed reply, then the next')
    expect(h.got.events.map((e) => [e.dir, e.action])).toEqual([
      ['server', 'rewrite'],
      ['server', 'delay']
    ])
  })

  it('passes chunks through untouched when no rule can match a message', async () => {
    const h = harness([{ match: { http: { path: '/x' } }, steps: [{ respond: { status: 200 } }] }])
    const chunk = Buffer.from(cmd('GET', 'feature-flag'))
    h.send('client', chunk)
    expect(h.got.target[0]).toBe(chunk)
    h.fin('client')
    expect(h.got.ended.target).toBe(true)
  })

  it('acts on the next message once a rule that can match one is added to an open connection', async () => {
    const h = harness([{ match: { http: { path: '/x' } }, steps: [{ respond: { status: 200 } }] }])
    h.send('client', cmd('GET', 'a'))
    h.send('server', bulk('A'))
    h.set.set([MOCK_FLAG])
    h.send('client', cmd('GET', 'feature-flag') + cmd('GET', 'b'))
    await tick()
    h.send('server', bulk('B'))
    await tick()
    expect(h.target()).toBe(cmd('GET', 'a') + cmd('GET', 'b'))
    expect(h.client()).toBe(bulk('A') + bulk('on') + bulk('B'))
  })

  it('answers only what a rule answers with no target, and ends once the client has', async () => {
    const h = harness([MOCK_FLAG], { noTarget: true })
    h.send('client', cmd('GET', 'other') + cmd('GET', 'feature-flag'))
    await tick()
    h.fin('client')
    await tick()
    expect(h.client()).toBe(bulk('on'))
    expect(h.got.ended.client).toBe(true)
    expect(h.target()).toBe('')
    // It answers for itself: its record names no target (a proxy's says the target never got it).
    expect(h.got.events).toMatchObject([{ action: 'respond', message: 'answered GET feature-flag' }])
  })
})

function pgQuery(sql: string): Buffer {
  const body = Buffer.from(`${sql}\0`)
  const head = Buffer.alloc(5)
  head.write('Q', 0, 'latin1')
  head.writeUInt32BE(4 + body.length, 1)
  return Buffer.concat([head, body])
}

function pgStartup(): Buffer {
  const params = Buffer.from('user\0postgres\0database\0postgres\0\0')
  const b = Buffer.alloc(8)
  b.writeUInt32BE(8 + params.length, 0)
  b.writeUInt32BE(196608, 4)
  return Buffer.concat([b, params])
}

function mqttPublish(topic: string, payload: string): Buffer {
  const t = Buffer.from(topic)
  const rest = Buffer.concat([Buffer.from([t.length >> 8, t.length & 255]), t, Buffer.from(payload)])
  return Buffer.concat([Buffer.from([0x30, rest.length]), rest])
}

// CONNECT, MQTT 3.1.1, clean session, keep alive 60 s, client id "test".
const MQTT_CONNECT = Buffer.from('101000044d5154540402003c000474657374', 'hex')

describe('message rules on PostgreSQL and MQTT', () => {
  it("rewrites a PostgreSQL query's text and refits its length", async () => {
    const h = harness([{ match: { message: { protocol: 'postgres', fields: { query: 'SELECT 1' } } }, steps: [{ rewrite: { bytes: [{ find: 'SELECT 1', with: 'SELECT 22' }] } }] }], {}, 5432)
    h.send('client', pgStartup())
    h.send('client', pgQuery('SELECT 1'))
    await tick()
    expect(Buffer.concat(h.got.target)).toEqual(Buffer.concat([pgStartup(), pgQuery('SELECT 22')]))
  })

  it('answers an MQTT PUBLISH at once (no one reply per message), and replaces a payload', async () => {
    const h = harness(
      [
        { match: { message: { protocol: 'mqtt', fields: { topic: 'ping' } } }, steps: [{ respond: { hex: 'd000' } }] },
        { match: { message: { protocol: 'mqtt', fields: { command: 'PUBLISH', payload: 'hello' } } }, steps: [{ rewrite: { bytes: [{ find: 'hello', with: 'howdy, world' }] } }] }
      ],
      {},
      1883
    )
    h.send('client', MQTT_CONNECT)
    h.send('client', mqttPublish('ping', 'x'))
    await tick()
    expect(h.client()).toBe('\xd0\x00')
    h.send('client', mqttPublish('t', 'hello'))
    await tick()
    expect(Buffer.concat(h.got.target)).toEqual(Buffer.concat([MQTT_CONNECT, mqttPublish('t', 'howdy, world')]))
  })
})

describe('bad bytes', () => {
  const conversations: Record<string, { port: number; turns: Array<{ dir: Dir; bytes: Uint8Array }> }> = {
    resp: { port: 6379, turns: [{ dir: 'client', bytes: Buffer.from(cmd('GET', 'feature-flag') + cmd('SET', 'k', 'v')) }, { dir: 'server', bytes: Buffer.from('+OK\r\n$2\r\non\r\n') }] },
    postgres: { port: 5432, turns: [{ dir: 'client', bytes: pgStartup() }, { dir: 'server', bytes: Buffer.from('R\0\0\0\x08\0\0\0\0', 'latin1') }, { dir: 'client', bytes: pgQuery('SELECT 1') }] },
    mqtt: { port: 1883, turns: [{ dir: 'client', bytes: MQTT_CONNECT }, { dir: 'server', bytes: Buffer.from('20020000', 'hex') }, { dir: 'client', bytes: mqttPublish('t', 'hello') }] }
  }
  const rules = [
    MOCK_FLAG,
    { match: { message: { summary: { contains: 'SELECT' } } }, steps: [{ rewrite: { bytes: [{ find: '1', with: '22' }] } }] },
    { match: { message: { dir: 'server' } }, steps: [{ rewrite: { bytes: [{ find: 'O', with: 'OO' }] } }] },
    { match: { message: { fields: { payload: { regex: 'h.l' } } } }, steps: [{ respond: { text: 'x' } }] }
  ]

  for (const [name, c] of Object.entries(conversations)) {
    it(`never throws on mutated ${name} bytes, whole or in random pieces`, async () => {
      const rnd = seeded(name.length * 31)
      for (let round = 0; round < 60; round++) {
        const h = harness(rules, {}, c.port)
        const turns = round === 0 ? c.turns : (mutate(c.turns, rnd) as typeof c.turns)
        for (const t of turns) {
          let at = 0
          while (at < t.bytes.length) {
            const n = 1 + Math.floor(rnd() * 8)
            h.send(t.dir, t.bytes.subarray(at, at + n))
            at += n
          }
        }
        h.fin('client')
        h.fin('server')
        await tick(1)
        h.close()
      }
    })
  }

  it('never throws on random bytes, whatever port', async () => {
    const rnd = seeded(99)
    for (let round = 0; round < 40; round++) {
      const h = harness(rules, {}, [6379, 5432, 1883, 502, 53, 9999][round % 6])
      for (let i = 0; i < 20; i++) h.send(rnd() < 0.6 ? 'client' : 'server', Uint8Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256)))
      h.fin('client')
      await tick(1)
      h.close()
    }
  })
})
