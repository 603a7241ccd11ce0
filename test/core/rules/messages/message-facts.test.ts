// What a `message` or `resp` matcher reads of a message: its command, a redis command's key
// and arguments whole, and every described field by its name, its path and its alias.
import { describe, expect, it } from 'vitest'
import type { Direction } from '../../../../src/shared/direction'
import type { MessageCodec } from '../../../../src/core/protocols/messages/message-codec'
import { respCodec } from '../../../../src/core/protocols/resp/resp-codec'
import { postgresCodec } from '../../../../src/core/protocols/postgres/pg-codec'
import { mqttCodec } from '../../../../src/core/protocols/mqtt/mqtt-codec'
import { LazyMessageFacts } from '../../../../src/core/rules/messages/message-facts'

function factsOf(codec: MessageCodec, dir: Direction, bytes: Buffer, command?: string): { facts: LazyMessageFacts; described: () => number } {
  let n = 0
  const facts = new LazyMessageFacts({
    protocol: codec.name,
    dir,
    bytes,
    ...(command !== undefined ? { command } : {}),
    describe: () => {
      n++
      return codec.describe(dir, bytes, {}, bytes.length, true)
    }
  })
  return { facts, described: () => n }
}

describe('a message as matchers read it', () => {
  it("gives a redis command's name upper-cased and its key and arguments whole, without describing it", () => {
    const long = 'v'.repeat(5000)
    const { facts, described } = factsOf(respCodec, 'client', Buffer.from(`*3\r\n$3\r\nset\r\n$12\r\nfeature flag\r\n$5000\r\n${long}\r\n`), 'SET')
    expect(facts.fields.command).toBe('SET')
    expect(facts.fields.key).toBe('feature flag')
    expect(facts.fields.arg2).toBe(long)
    expect(described()).toBe(0)
    // Anything else is read from the field tree.
    expect(facts.fields['command.[0]']).toBe('set')
    expect(facts.summary).toMatch(/^SET "feature flag"/)
    expect(described()).toBe(1)
    expect('key' in facts.fields && 'command.[2]' in facts.fields).toBe(true)
  })

  it("reads an inline redis command's words", () => {
    const { facts } = factsOf(respCodec, 'client', Buffer.from('get  feature-flag\r\n'))
    expect([facts.fields.command, facts.fields.key]).toEqual(['GET', 'feature-flag'])
  })

  it("gives a PostgreSQL Query's text as `query`", () => {
    const body = Buffer.from('SELECT 1\0')
    const head = Buffer.from([0x51, 0, 0, 0, 4 + body.length])
    const { facts } = factsOf(postgresCodec, 'client', Buffer.concat([head, body]), 'Query')
    expect(facts.fields).toMatchObject({ command: 'Query', query: 'SELECT 1', length: '13' })
    expect(facts.summary).toBe('Query: SELECT 1')
  })

  it("gives an MQTT PUBLISH's topic and payload, and nested fields by path and by name", () => {
    const topic = Buffer.from('sensors/room-9')
    const payload = Buffer.from('21.5')
    const rest = Buffer.concat([Buffer.from([0, topic.length]), topic, payload])
    const { facts } = factsOf(mqttCodec, 'client', Buffer.concat([Buffer.from([0x31, rest.length]), rest]), 'PUBLISH')
    expect(facts.fields).toMatchObject({ command: 'PUBLISH', 'topic name': 'sensors/room-9', topic: 'sensors/room-9', payload: '21.5', 'fixed header.RETAIN': '1', RETAIN: '1', QoS: '0' })
  })
})
