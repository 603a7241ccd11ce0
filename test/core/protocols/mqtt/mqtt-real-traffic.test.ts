// MQTT from real peers: mosquitto as the broker, mosquitto_sub and mosquitto_pub as clients
// in MQTT 3.1.1 and 5, recorded through a loopback relay, then cut and described as the
// capture would be (the recorded segmentation, random pieces, coalesced).
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mqttCodec } from '../../../../src/core/protocols/mqtt/mqtt-codec'
import { recogniseMessages } from '../../../../src/core/protocols/messages/message-decoders'
import { connectTo, startServer, tempDir, waitFor } from '../../../helpers/net'
import { needPeer } from '../../../helpers/peers'
import { startRecordingRelay, type RecordedConnection, type RecordingRelay } from '../../../helpers/recording-relay'
import { seeded, type Turn } from '../messages/cut'
import { describeAll, flatFields, mutate, type DescribedMessage } from '../messages/described'

const turnsOf = (c: RecordedConnection): Turn[] => c.pieces.flatMap((p) => ('bytes' in p ? [{ dir: p.dir, bytes: p.bytes }] : []))

function exited(child: ChildProcess, what: string, ms = 15_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode)
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${what} did not finish within ${ms} ms`))
    }, ms)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })
}

let available = false
let broker: ChildProcess | undefined
let relay: RecordingRelay | undefined
let dir: ReturnType<typeof tempDir> | undefined

beforeAll(async () => {
  available = needPeer('mosquitto', 'mosquitto_pub', 'mosquitto_sub')
  if (!available) return
  dir = tempDir('tcpscope-mqtt-')
  // mosquitto cannot listen on port 0 and tell; take a free port from the kernel first.
  const probe = await startServer(() => {})
  const port = probe.port
  await probe.close()
  const conf = join(dir.dir, 'mosquitto.conf')
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`)
  broker = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' })
  for (let i = 0; ; i++) {
    try {
      ;(await connectTo(port)).destroy()
      break
    } catch (err) {
      if (i > 100 || broker.exitCode !== null) throw err
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  relay = await startRecordingRelay(port)
}, 30_000)

afterAll(async () => {
  await relay?.close()
  broker?.kill('SIGKILL')
  dir?.cleanup()
})

/** One subscriber, then a publisher at each QoS, all through the relay; returns each connection's messages. */
async function converse(version: 'mqttv311' | 'mqttv5', subQos: number): Promise<DescribedMessage[][]> {
  const r = relay!
  const first = r.connections.length
  const common = ['-h', '127.0.0.1', '-p', String(r.port), '-V', version]
  const sub = spawn('mosquitto_sub', [...common, '-i', `sub-${version}`, '-t', 'sensors/#', '-C', '3', '-q', String(subQos)], { stdio: 'ignore' })
  // Publish only once the broker has acknowledged the subscription.
  await waitFor(() => {
    const c = r.connections[first]
    return c && describeAll(mqttCodec, turnsOf(c), { end: false }).some((m) => m.note.command === 'SUBACK')
  }, 'the SUBACK')
  for (const qos of [0, 1, 2]) {
    const extra = version === 'mqttv5' ? ['-D', 'publish', 'user-property', 'a', 'b', '-D', 'connect', 'session-expiry-interval', '60'] : []
    const pub = spawn('mosquitto_pub', [...common, '-i', `pub-${version}-${qos}`, '-t', 'sensors/room-9', '-m', '21.5', '-q', String(qos), ...extra], { stdio: 'ignore' })
    expect(await exited(pub, 'mosquitto_pub')).toBe(0)
    // The next publish only once the subscriber has finished with this one: the broker's
    // ack to the publisher can come before the subscriber's own ack, which would otherwise
    // race the next PUBLISH in the subscriber's conversation.
    const ack = [undefined, 'PUBACK', 'PUBCOMP'][Math.min(qos, subQos)]
    await waitFor(() => {
      const ms = describeAll(mqttCodec, turnsOf(r.connections[first]), { end: false })
      const publishes = ms.flatMap((m, i) => (m.note.command === 'PUBLISH' ? [i] : []))
      return publishes.length === qos + 1 && (ack === undefined || ms.slice(publishes[qos]).some((m) => m.note.command === ack))
    }, `the subscriber's ${ack ?? 'PUBLISH'} of the qos ${qos} publish`)
  }
  expect(await exited(sub, 'mosquitto_sub')).toBe(0)
  const conns = (await r.settled(first + 4)).slice(first, first + 4)
  return conns.map((c) => {
    const turns = turnsOf(c)
    const messages = describeAll(mqttCodec, turns)
    for (const [split, coalesce] of [['random', false], ['bytes', false], ['whole', true]] as const) {
      const again = describeAll(mqttCodec, turns, { split, coalesce, seed: 7 })
      expect(again.map((m) => [m.dir, m.offset, m.length, m.summary, m.note.pair])).toEqual(messages.map((m) => [m.dir, m.offset, m.length, m.summary, m.note.pair]))
    }
    expect(messages.filter((m) => m.error !== undefined || m.described.error !== undefined)).toEqual([])
    // The real bytes, mutated: cut and described, nothing throws.
    const rnd = seeded(messages.length)
    for (let i = 0; i < 250; i++) for (const m of describeAll(mqttCodec, mutate(turns, rnd), { split: 'random', seed: i })) expect(m.summary.length).toBeLessThanOrEqual(200)
    expect(recogniseMessages(turns.find((t) => t.dir === 'client')!.bytes as Uint8Array, new Uint8Array(), undefined)).toBe('mqtt')
    return messages
  })
}

const commands = (ms: DescribedMessage[]): Array<string | undefined> => ms.map((m) => m.note.command)

describe('MQTT from mosquitto, mosquitto_sub and mosquitto_pub', () => {
  it('decodes MQTT 3.1.1 at QoS 0, 1 and 2: subscribe, publish, every ack and disconnect', async (ctx) => {
    if (!available) return ctx.skip()
    const [sub, pub0, pub1, pub2] = await converse('mqttv311', 1)
    expect(sub[0].summary).toMatch(/^CONNECT sub-mqttv311 mqtt 3\.1\.1 keepalive 60/)
    expect(commands(sub)).toEqual(['CONNECT', 'CONNACK', 'SUBSCRIBE', 'SUBACK', 'PUBLISH', 'PUBLISH', 'PUBACK', 'PUBLISH', 'PUBACK', 'DISCONNECT'])
    expect(sub[1].summary).toBe('CONNACK Connection Accepted')
    expect(sub[2].summary).toBe('SUBSCRIBE id 1 [sensors/# qos 1]')
    expect(sub[3].summary).toBe('SUBACK id 1 [granted qos 1]')
    expect(sub[3].note.pair).toBe(2)
    expect(sub[4].summary).toBe('PUBLISH sensors/room-9 qos 0 "21.5"')
    expect(sub[5].summary).toMatch(/^PUBLISH sensors\/room-9 qos 1 id \d+ "21.5"$/)
    expect(sub[6].note.pair).toBe(5)
    expect(commands(pub0)).toEqual(['CONNECT', 'CONNACK', 'PUBLISH', 'DISCONNECT'])
    expect(commands(pub1)).toEqual(['CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'DISCONNECT'])
    expect(pub1[2].summary).toMatch(/^PUBLISH sensors\/room-9 qos 1 id \d+ "21.5"$/)
    expect(pub1[3].note.pair).toBe(2)
    expect(commands(pub2)).toEqual(['CONNECT', 'CONNACK', 'PUBLISH', 'PUBREC', 'PUBREL', 'PUBCOMP', 'DISCONNECT'])
    expect(pub2.slice(3, 6).map((m) => m.note.pair)).toEqual([2, 2, 2])
    expect(pub2.map((m) => m.dir)).toEqual(['client', 'server', 'client', 'server', 'client', 'server', 'client'])
  }, 60_000)

  it('decodes MQTT 5 at QoS 0, 1 and 2 with its properties and reason codes', async (ctx) => {
    if (!available) return ctx.skip()
    const [sub, pub0, pub1, pub2] = await converse('mqttv5', 2)
    expect(sub[0].summary).toMatch(/^CONNECT sub-mqttv5 mqtt 5 keepalive 60/)
    expect(commands(sub)).toEqual(['CONNECT', 'CONNACK', 'SUBSCRIBE', 'SUBACK', 'PUBLISH', 'PUBLISH', 'PUBACK', 'PUBLISH', 'PUBREC', 'PUBREL', 'PUBCOMP', 'DISCONNECT'])
    expect(sub[1].summary).toMatch(/^CONNACK Success/)
    expect(sub[3].summary).toBe('SUBACK id 1 [granted qos 2]')
    // The broker passes the publisher's user property on to the subscriber.
    expect(flatFields(sub[5].fields)).toContain('User Property: a=b')
    expect(sub.slice(8, 11).map((m) => m.note.pair)).toEqual([7, 7, 7])
    expect(sub[11].summary).toMatch(/^DISCONNECT( Normal disconnection)?$/)
    for (const pub of [pub0, pub1, pub2]) {
      expect(flatFields(pub[0].fields)).toEqual(expect.arrayContaining(['protocol level: 5 (MQTT 5)', 'Session Expiry Interval: 60']))
      expect(flatFields(pub[2].fields)).toContain('User Property: a=b')
      expect(pub[2].summary).toMatch(/^PUBLISH sensors\/room-9 qos \d( id \d+)? "21.5"$/)
    }
    expect(commands(pub2)).toEqual(['CONNECT', 'CONNACK', 'PUBLISH', 'PUBREC', 'PUBREL', 'PUBCOMP', 'DISCONNECT'])
    expect(flatFields(pub1[1].fields).some((f) => f.startsWith('reason code: 0x00 Success'))).toBe(true)
  }, 60_000)
})
