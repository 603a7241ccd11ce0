// Each protocol's filter example (what the Messages filter offers on its connections) names
// commands that protocol's decoder gives its messages, parses as filter words, and picks a
// message of that protocol by them: the words offered on a PostgreSQL connection are
// PostgreSQL's, never redis's.
import { describe, expect, it } from 'vitest'
import { MESSAGE_PROTOCOLS, type MessageProtocol } from '../../../../src/shared/message-types'
import { MESSAGE_FILTER_EXAMPLES, messageFilterExample, parseMessageFilter } from '../../../../src/shared/message-filter'
import { REDIS_ARITY } from '../../../../src/core/protocols/resp/resp-commands'
import { CLIENT_TYPES, SERVER_TYPES } from '../../../../src/core/protocols/postgres/pg-names'
import { COMMANDS } from '../../../../src/core/protocols/mysql/mysql-names'
import { PACKET_TYPES } from '../../../../src/core/protocols/mqtt/mqtt-names'
import { commandOf as modbusCommand } from '../../../../src/core/protocols/modbus/modbus-codec'
import { TYPES } from '../../../../src/core/protocols/dns/dns-names'

/** The commands each decoder names its messages by (its `note.command`), from its own tables. */
const NAMED: Record<MessageProtocol, (word: string) => string | undefined> = {
  resp: (w) => (REDIS_ARITY.has(w) ? w : undefined),
  postgres: (w) => [...Object.values(CLIENT_TYPES), ...Object.values(SERVER_TYPES)].find((n) => n === w),
  mysql: (w) => Object.values(COMMANDS).find((n) => n === w),
  mqtt: (w) => PACKET_TYPES.find((n) => n === w),
  modbus: (w) => modbusCommand(Number(w)),
  dns: (w) => Object.values(TYPES).find((n) => n === w)
}

describe('each protocol\'s filter example', () => {
  it.each(MESSAGE_PROTOCOLS.map((p) => [p]))('%s: its cmd: and fn: words are commands its decoder names, and pick them', (protocol) => {
    const words = MESSAGE_FILTER_EXAMPLES[protocol].split(' ')
    const named = words.filter((w) => /^-?(cmd|fn):/.test(w))
    expect(named.length).toBeGreaterThan(0)
    for (const word of named) {
      const value = word.replace(/^-?(cmd|fn):/, '')
      const command = NAMED[protocol](value)
      expect(command, `${protocol}: ${word}`).toBeDefined()
      // The word alone picks a message its decoder named so (a negated one leaves it out).
      const alone = parseMessageFilter(word)!
      expect(alone.factTest('client', command)).toBe(!word.startsWith('-'))
    }
    expect(() => parseMessageFilter(MESSAGE_FILTER_EXAMPLES[protocol])).not.toThrow()
    expect(messageFilterExample(protocol)).toEqual({ words: MESSAGE_FILTER_EXAMPLES[protocol], cmd: named[0] })
  })

  it('offers no command to a framing of bytes, and a field to a .ksy file\'s', () => {
    expect(messageFilterExample('length:size=2')).toEqual({ words: 'dir:client text:foo -text:ping' })
    expect(messageFilterExample(undefined).cmd).toBeUndefined()
    expect(messageFilterExample('ksy:/x/y.ksy').words).toContain('field:NAME=VALUE')
    expect(() => parseMessageFilter(messageFilterExample('ksy:/x/y.ksy').words)).not.toThrow()
  })
})
