// What a rule's `resp` and `message` matchers read of one message of a raw connection
// (rule-match.ts MessageFacts): its protocol, direction, summary and fields. The summary and
// the field tree are the codec's `describe`, as the Messages tab shows them, worked out only
// when a matcher asks (a rule on `protocol` or `command` alone never describes). Names:
//
// - `command`: what the message names (redis `GET`, upper-cased; PostgreSQL `Query`, `Parse`;
//   MQTT `PUBLISH`, `CONNECT`), for every protocol whose codec says it.
// - redis (resp), a client's command: `key` (the first argument, whole), and `arg1`, `arg2`,
//   ... (the arguments, whole, as UTF-8 text; `arg1` is the key), up to MAX_ARGS of them.
// - every field of the described tree, by its name without the note in parentheses
//   (`payload (5 bytes)` is `payload`), nested ones by their path too (`fixed header.QoS`)
//   and by their own name when no other field took it first (`QoS`). PostgreSQL: `query`
//   (Query, Parse), `statement`, `portal`, `user`, `database`...; MQTT: `topic name` (also
//   `topic`), `payload`, `packet identifier`, `client identifier`...; redis replies: `reply`.
//   Their values are as shown: text where printable (CR, LF and tabs as `\r` `\n` `\t`), else
//   `0x` hex, cut at MESSAGE_VALUE_SHOWN.

import type { Direction } from '../../../shared/direction'
import { DEFAULT_MAX_MESSAGE, type MessageField } from '../../../shared/message-types'
import { fieldKey } from '../../../shared/message-filter'
import type { Described } from '../../protocols/messages/message-codec'
import { readResp, type RespValue } from '../../protocols/resp/resp-value'
import type { MessageFacts } from '../rule-match'

/** redis arguments given their own field (`arg1` ... `arg16`). */
const MAX_ARGS = 16
/** Longest argument kept whole as a field; a longer one is cut (a matcher on a 1 MiB value reads its start). */
const MAX_ARG_TEXT = 64 * 1024
/** Short names for fields whose described name is long. */
const ALIASES: Record<string, Record<string, string>> = {
  mqtt: { 'topic name': 'topic' }
}

const utf8 = new TextDecoder()

export interface FactsSource {
  protocol: string
  dir: Direction
  bytes: Buffer
  /** The codec's command for it (its note), when it names one. */
  command?: string
  describe(): Described
}

/**
 * A message's facts, its summary and field tree described when first read: `command`, and a
 * redis command's words, are read without describing (a `resp` matcher on every command of a
 * busy connection costs a few bytes' parsing, not a field tree).
 */
export class LazyMessageFacts implements MessageFacts {
  readonly protocol: string
  readonly dir: Direction
  readonly bytes: Uint8Array
  readonly fields: Record<string, unknown>
  private described: Described | undefined
  private full: Record<string, unknown> | undefined

  constructor(private readonly source: FactsSource) {
    this.protocol = source.protocol
    this.dir = source.dir
    this.bytes = source.bytes
    const cheap = ownFields(source)
    const all = (): Record<string, unknown> => {
      if (this.full === undefined) {
        this.full = {}
        flatten(this.description().fields, '', this.full, new Set(), ALIASES[source.protocol] ?? {})
        Object.assign(this.full, cheap)
      }
      return this.full
    }
    this.fields = new Proxy(cheap, {
      get: (target, name) => (typeof name !== 'string' || name in target ? target[name as string] : all()[name]),
      has: (target, name) => name in target || name in all(),
      ownKeys: () => Reflect.ownKeys(all()),
      getOwnPropertyDescriptor: (_target, name) => Reflect.getOwnPropertyDescriptor(all(), name)
    })
  }

  get summary(): string {
    return this.description().summary
  }

  description(): Described {
    this.described ??= this.source.describe()
    return this.described
  }
}

/** What is known of a message without describing it: its command, and a redis command's words. */
function ownFields(source: FactsSource): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (source.command !== undefined) out.command = source.command
  const words = source.protocol === 'resp' && source.dir === 'client' ? respWords(source.bytes) : undefined
  if (words !== undefined && words.length > 0) {
    out.command = words[0].toUpperCase()
    if (words.length > 1) out.key = words[1]
    for (let i = 1; i < words.length && i <= MAX_ARGS; i++) out[`arg${i}`] = words[i]
  }
  return out
}

/** The tree's fields by path, by name, and by own name where no other took it. */
function flatten(fields: readonly MessageField[], prefix: string, out: Record<string, unknown>, nested: Set<string>, aliases: Record<string, string>): void {
  for (const f of fields) {
    const name = fieldKey(f.name)
    const path = prefix === '' ? name : `${prefix}.${name}`
    if (!(path in out) || nested.has(path)) {
      out[path] = f.value
      nested.delete(path)
    }
    if (prefix !== '' && !(name in out)) {
      out[name] = f.value
      nested.add(name)
    }
    const alias = aliases[name]
    if (alias !== undefined && !(alias in out)) out[alias] = f.value
    if (f.children !== undefined) flatten(f.children, path, out, nested, aliases)
  }
}

/** A redis client message's words: a RESP array's bulk strings, or an inline command's words. */
export function respWords(msg: Uint8Array): string[] | undefined {
  if (msg.length === 0) return undefined
  if (msg[0] !== 0x2a /* * */) {
    const text = utf8.decode(msg.subarray(0, MAX_ARG_TEXT))
    return text.trim().split(/\s+/).filter((w) => w !== '').slice(0, MAX_ARGS + 1)
  }
  const build: { budget: number; root?: RespValue } = { budget: MAX_ARGS + 2 }
  readResp(msg, 0, DEFAULT_MAX_MESSAGE, build)
  const items = build.root?.items
  if (items === undefined) return undefined
  const words: string[] = []
  for (const item of items.slice(0, MAX_ARGS + 1)) {
    if (item.data !== undefined) words.push(utf8.decode(msg.subarray(item.data.offset, item.data.offset + Math.min(item.data.length, MAX_ARG_TEXT))))
    else if (item.line !== undefined) words.push(item.line)
    else break
  }
  return words
}
