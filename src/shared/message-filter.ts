// A message filter's words (MESSAGE_WORDS), parsed once for every place that picks messages:
// msg.page's list, a `message` breakpoint, and replay by message. `dir:` and `cmd:` need
// only what cutting a stream knows of a message (its direction and the command it names);
// `text:` (and a bare word) needs it described, so it is a second test on the summary and
// field values, run only when such a word was given. `field:NAME=VALUE` (and `<`, `>` on
// numbers) tests one field of the tree (a `.ksy` field's, a protocol's): a bare NAME at any
// depth, a dotted one by its path from the top as a script's `msg.fields` keys it
// (`payload.seq`; a repeated field's `[i]` may be left out to test every item, as in
// `payload.tags.k`, or given as `payload.tags[1].k`): `=` matches its value as shown, or an
// enum's name or number (`reading (2)` is `kind=reading` and `kind=2`). A name no field of a
// message has is no mistake: fields differ from message to message.

import type { Direction } from './direction'
import { UserError } from './errors'
import { FilterMistakes, nearestWord } from './filter-mistakes'
import { MESSAGE_PROTOCOLS, type MessageField, type MessageProtocol } from './message-types'

type FactTest = (dir: Direction, command: string | undefined) => boolean
type TextTest = (m: { summary: string; fields?: MessageField[] }) => boolean

export interface MessageFilter {
  /** Tests what cutting knows: the message's direction and command. */
  factTest: FactTest
  /** Tests a described message (summary and fields); undefined when no `text:` word was given. */
  textTest?: TextTest
}

/** The words a message filter takes. */
export const MESSAGE_KEYS = ['dir', 'cmd', 'fn', 'text', 'field'] as const
/** What `field:`'s NAME may be: the hint says it, and so does a `field:` word that is none. */
const FIELD_NAMES = 'NAME bare for a field at any depth, or dotted for its path from the top: payload.seq, payload.tags[1].k'
const HINT = `use dir:client|server, cmd:NAME (a command, packet or function: SET, Query, PUBLISH, fn:3), text:WORDS, field:NAME=VALUE (or <, > a number; ${FIELD_NAMES}), a leading - to negate`

/** A field's name as a path segment (`msg.fields`' keys): without the `(type)` some trees add. */
export function fieldKey(name: string): string {
  return name.replace(/\s*\([^()]*\)$/, '')
}

/** `payload.tags[1].k` as its segments, `[1]` one of its own: `payload`, `tags`, `[1]`, `k`. */
function pathSegments(name: string): string[] {
  return name.replace(/\[/g, '.[').split('.').filter((s) => s !== '')
}

/** Whether a field at `path` (segments from the top) is the one `want` names; an `[i]` `want` leaves out stands for every item. */
function samePath(path: string[], want: string[]): boolean {
  let i = 0
  for (const seg of path) {
    if (i < want.length && seg === want[i]) i++
    else if (!seg.startsWith('[')) return false
  }
  return i === want.length
}

/** Whether a field named `name` (bare: at any depth; dotted: at that path) has a value that `test` takes. */
function anyField(fields: MessageField[] | undefined, name: string, test: (value: string) => boolean): boolean {
  const want = pathSegments(name)
  const walk = (list: MessageField[] | undefined, path: string[]): boolean => {
    for (const f of list ?? []) {
      const at = [...path, fieldKey(f.name).toLowerCase()]
      const named = want.length === 1 ? f.name.toLowerCase() === name || at[at.length - 1] === name : samePath(at, want)
      if (named && test(f.value)) return true
      if (walk(f.children, at)) return true
    }
    return false
  }
  return walk(fields, [])
}

/** `field:NAME=VALUE`, `field:NAME<N`, `field:NAME>N` as a test of a field's value as shown. */
function fieldWord(value: string): { name: string; test: (shown: string) => boolean } {
  const m = /^([^=<>]+)([=<>])(.*)$/.exec(value)
  if (!m || m[1].trim() === '') throw new UserError(`filter field:${value}: say field:NAME=VALUE, field:NAME<NUMBER or field:NAME>NUMBER (${FIELD_NAMES})`)
  const [, rawName, op, rawWant] = m
  const want = rawWant.toLowerCase()
  if (op === '=') {
    return {
      name: rawName.toLowerCase(),
      test: (shown) => {
        const v = shown.toLowerCase()
        // An enum shows `name (number)`: either matches.
        const e = /^(.*) \((-?[\d.]+)\)$/.exec(v)
        return v === want || (e !== null && (e[1] === want || e[2] === want))
      }
    }
  }
  const limit = Number(rawWant)
  if (rawWant.trim() === '' || !Number.isFinite(limit)) throw new UserError(`filter field:${value}: ${op} takes a number`)
  return {
    name: rawName.toLowerCase(),
    test: (shown) => {
      const n = Number(/^(-?[\d.e+]+)/i.exec(shown.trim())?.[1] ?? NaN)
      return Number.isFinite(n) && (op === '<' ? n < limit : n > limit)
    }
  }
}

function fieldText(fields: MessageField[] | undefined, out: string[]): void {
  for (const f of fields ?? []) {
    out.push(f.name, f.value)
    fieldText(f.children, out)
  }
}

/** One word of a message filter, as a test put in `facts` or `texts`; a UserError in one line for a word that is none. */
function messageWord(raw: string, facts: FactTest[], texts: TextTest[]): void {
  const negate = raw.startsWith('-') && raw.length > 1
  const w = negate ? raw.slice(1) : raw
  const colon = w.indexOf(':')
  const key = colon > 0 ? w.slice(0, colon).toLowerCase() : 'text'
  const value = (colon > 0 ? w.slice(colon + 1) : w).replace(/"/g, '')
  const not = (f: FactTest): FactTest => (negate ? (d, c) => !f(d, c) : f)
  switch (key) {
    case 'dir': {
      const d = value.toLowerCase()
      const dir = d === 'client' || d === 'c' || d === 'request' ? 'client' : d === 'server' || d === 's' || d === 'response' ? 'server' : undefined
      if (!dir) throw new UserError(`filter dir:${value}: say dir:client or dir:server`)
      facts.push(not((d) => d === dir))
      break
    }
    case 'cmd':
    case 'fn': {
      const want = (key === 'fn' ? `fn ${value}` : value).toLowerCase()
      if (want === '' || want === 'fn ') throw new UserError(`filter ${key}: needs a name; ${HINT}`)
      facts.push(not((_d, command) => {
        const c = command?.toLowerCase()
        return c !== undefined && (c === want || c.startsWith(`${want} `))
      }))
      break
    }
    case 'text': {
      const want = value.toLowerCase()
      texts.push((m) => {
        const hay = [m.summary]
        fieldText(m.fields, hay)
        const found = hay.some((h) => h.toLowerCase().includes(want))
        return negate ? !found : found
      })
      break
    }
    case 'field': {
      const { name, test } = fieldWord(value)
      texts.push((m) => anyField(m.fields, name, test) !== negate)
      break
    }
    default: {
      const near = nearestWord(key, MESSAGE_KEYS)
      throw new UserError(`filter ${w}: ${key}: is no message word; ${near !== undefined ? `did you mean ${near}:?` : HINT}`)
    }
  }
}

/** Undefined for no words; a UserError in one line naming every word that is none (the first few). */
export function parseMessageFilter(text: string | undefined): MessageFilter | undefined {
  const words = (text ?? '').match(/(?:[^\s"]+|"[^"]*")+/g) ?? []
  if (words.length === 0) return undefined
  const mistakes = new FilterMistakes()
  const facts: FactTest[] = []
  const texts: TextTest[] = []
  for (const raw of words) mistakes.word(() => messageWord(raw, facts, texts))
  mistakes.throwAny()
  return {
    factTest: (d, c) => facts.every((t) => t(d, c)),
    ...(texts.length ? { textTest: ((m) => texts.every((t) => t(m))) satisfies TextTest } : {})
  }
}

/**
 * Filter words that fit each protocol's messages, with the commands its decoder names them
 * by (`cmd:`: redis's commands, PostgreSQL's message types, MySQL's COM_ commands and
 * replies, MQTT's packet types, DNS's question types; Modbus's function codes as `fn:`), so
 * a filter box offers a connection's own words and not another protocol's.
 */
export const MESSAGE_FILTER_EXAMPLES: Record<MessageProtocol, string> = {
  resp: 'dir:client cmd:SET text:foo -cmd:PING',
  postgres: 'dir:client cmd:Query text:users -cmd:Sync',
  mysql: 'dir:client cmd:COM_QUERY text:users -cmd:COM_PING',
  mqtt: 'cmd:PUBLISH text:sensors -cmd:PINGREQ',
  modbus: 'dir:client fn:3 -fn:6',
  dns: 'cmd:MX text:example.com -cmd:AAAA'
}

/**
 * A framing's filter words (as msg.page names it: `resp`, `length:size=2`, `ksy:…`): its
 * protocol's own, or for a framing that names no commands, words about direction, text and
 * (for a `.ksy` file's fields) a field; `cmd` is the example's command word, when it has one.
 */
export function messageFilterExample(framing: string | undefined): { words: string; cmd?: string } {
  if (framing !== undefined && (MESSAGE_PROTOCOLS as readonly string[]).includes(framing)) {
    const words = MESSAGE_FILTER_EXAMPLES[framing as MessageProtocol]
    return { words, cmd: words.split(' ').find((w) => w.startsWith('cmd:') || w.startsWith('fn:'))! }
  }
  return { words: framing?.startsWith('ksy:') ? 'dir:client field:NAME=VALUE text:foo' : 'dir:client text:foo -text:ping' }
}
