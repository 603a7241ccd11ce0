// redis's RESP2 and RESP3 as messages: a client's commands (arrays of bulk strings, or
// inline commands) with their arguments, the server's replies of every type, each reply
// paired with the command it answers (pipelining answers in order), and pub/sub's pushes
// (RESP3 `>`, or RESP2 arrays in subscribed mode) left unpaired as what they are.

import type { Direction } from '../../../shared/capture-types'
import { DEFAULT_MAX_MESSAGE, MESSAGE_MAX_FIELDS, type MessageField } from '../../../shared/message-types'
import type { ConnectionCodec, Described, Measure, MessageCodec, MessageNote } from '../messages/message-codec'
import { field, line, shown, word } from '../messages/field-values'
import { readResp, type RespValue } from './resp-value'
import { refitResp } from './resp-refit'

const TYPE_BYTES = new Set('+-:$*_,#!=(%~>|'.split('').map((c) => c.charCodeAt(0)))
const SUBSCRIBING = new Set(['SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE'])
const UNSUBSCRIBING = new Set(['UNSUBSCRIBE', 'PUNSUBSCRIBE', 'SUNSUBSCRIBE'])
const PUSH_KINDS = new Set(['message', 'pmessage', 'smessage'])
const CONFIRM_KINDS = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe'])
const INLINE_MAX = 64 * 1024

const TYPE_NAMES: Record<string, string> = {
  '+': 'simple string',
  '-': 'error',
  ':': 'integer',
  $: 'bulk string',
  '*': 'array',
  _: 'null',
  ',': 'double',
  '#': 'boolean',
  '!': 'bulk error',
  '=': 'verbatim string',
  '(': 'big number',
  '%': 'map',
  '~': 'set',
  '>': 'push',
  '|': 'attribute'
}

const utf8 = new TextDecoder()
const dataOf = (msg: Uint8Array, v: RespValue): Uint8Array => (v.data ? msg.subarray(v.data.offset, v.data.offset + v.data.length) : new Uint8Array(0))
const stringOf = (msg: Uint8Array, v: RespValue | undefined): string | undefined => (v === undefined ? undefined : v.data ? utf8.decode(dataOf(msg, v).subarray(0, 256)) : v.line)

/** An inline command (`PING\r\n`): what redis accepts from a client that does not speak RESP. */
const isInline = (dir: Direction, b: number): boolean => dir === 'client' && !TYPE_BYTES.has(b)

function measureResp(dir: Direction, buf: Uint8Array): Measure {
  if (isInline(dir, buf[0])) {
    const n = Math.min(buf.length, INLINE_MAX)
    for (let i = 0; i < n; i++) if (buf[i] === 10) return i + 1
    return buf.length >= INLINE_MAX ? { error: 'an inline command runs over 64 KiB without its line end', length: INLINE_MAX } : { need: buf.length + 1 }
  }
  const r = readResp(buf, 0, DEFAULT_MAX_MESSAGE)
  if ('end' in r) return r.end
  if ('need' in r) return { need: r.need }
  return { error: r.error }
}

function inlineWords(msg: Uint8Array): string[] {
  return utf8.decode(msg).trim().split(/\s+/).filter((w) => w !== '')
}

/** The command a client message names (`SET`, `CLIENT SETNAME` reads as `CLIENT`), and its argument count. */
function commandOf(msg: Uint8Array): { name: string; args: number } | undefined {
  if (isInline('client', msg[0])) {
    const words = inlineWords(msg)
    return words.length ? { name: words[0].toUpperCase(), args: words.length - 1 } : undefined
  }
  const b: { budget: number; root?: RespValue } = { budget: 3 }
  readResp(msg, 0, DEFAULT_MAX_MESSAGE, b)
  const first = b.root?.items?.[0]
  const name = stringOf(msg, first)
  return name === undefined ? undefined : { name: name.toUpperCase(), args: Math.max(0, (b.root?.count ?? 1) - 1) }
}

class RespConnection implements ConnectionCodec {
  /** Commands not answered yet, oldest first. */
  private waiting: Array<{ index: number; name: string; left: number }> = []
  private head = 0
  private subscribed = false

  measure(dir: Direction, buf: Uint8Array): Measure {
    return measureResp(dir, buf)
  }

  note(dir: Direction, msg: Uint8Array, index: number): MessageNote {
    if (dir === 'client') {
      const c = commandOf(msg)
      if (!c) return {}
      // A (un)subscribe is confirmed once per channel; an unsubscribe naming none, once per
      // subscription it ends, the last saying 0 are left.
      const confirms = SUBSCRIBING.has(c.name) || UNSUBSCRIBING.has(c.name) ? (c.args === 0 && UNSUBSCRIBING.has(c.name) ? Infinity : Math.max(1, c.args)) : 1
      if (SUBSCRIBING.has(c.name)) this.subscribed = true
      this.waiting.push({ index, name: c.name, left: confirms })
      return { command: c.name }
    }
    if (msg[0] === 0x3e /* > */) return this.push(msg)
    if (this.subscribed && msg[0] === 0x2a /* * */) {
      const kind = kindOf(msg)
      if (kind !== undefined && PUSH_KINDS.has(kind)) return { command: kind }
      if (kind !== undefined && CONFIRM_KINDS.has(kind)) return this.confirm(msg)
    }
    return this.answer()
  }

  answered(index: number): void {
    // The record comes just after its command: look from the newest.
    for (let k = this.waiting.length - 1; k >= this.head; k--) {
      if (this.waiting[k].index !== index) continue
      this.waiting.splice(k, 1)
      return
    }
  }

  private push(msg: Uint8Array): MessageNote {
    const kind = kindOf(msg)
    if (kind !== undefined && CONFIRM_KINDS.has(kind)) return this.confirm(msg)
    return kind !== undefined ? { command: kind } : {}
  }

  /** A (un)subscribe's confirmation: its third element counts the subscriptions left, and none left ends subscribed mode. */
  private confirm(msg: Uint8Array): MessageNote {
    const b: { budget: number; root?: RespValue } = { budget: 4 }
    readResp(msg, 0, DEFAULT_MAX_MESSAGE, b)
    const left = b.root?.items?.[2]?.line
    if (left !== undefined) this.subscribed = left !== '0'
    return this.answer(left === '0')
  }

  private answer(last = false): MessageNote {
    const w = this.waiting[this.head]
    if (!w) return {}
    if (--w.left <= 0 || (last && w.left === Infinity)) {
      this.head++
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.head)
        this.head = 0
      }
    }
    return { pair: w.index }
  }
}

/** The first element of an aggregate, as text (`message`, `subscribe`). */
function kindOf(msg: Uint8Array): string | undefined {
  const b: { budget: number; root?: RespValue } = { budget: 3 }
  readResp(msg, 0, DEFAULT_MAX_MESSAGE, b)
  return stringOf(msg, b.root?.items?.[0])?.toLowerCase()
}

/** A reply as redis-cli prints it, in one line. */
function replyLine(msg: Uint8Array, v: RespValue, depth = 0): string {
  switch (v.type) {
    case '+':
      return depth ? (v.line ?? '') : `+${v.line ?? ''}`
    case '-':
      return `-${v.line ?? ''}`
    case ':':
      return depth ? (v.line ?? '') : `(integer) ${v.line ?? ''}`
    case ',':
      return `(double) ${v.line ?? ''}`
    case '#':
      return v.line === 't' ? '(true)' : '(false)'
    case '(':
      return `(big number) ${v.line ?? ''}`
    case '_':
      return '(nil)'
    case '$':
    case '=':
    case '!':
      if (v.nil) return '(nil)'
      return (v.type === '!' ? '-' : '') + word(dataOf(msg, v))
    default: {
      if (v.nil) return '(nil)'
      const items = v.items ?? []
      const inner = items.slice(0, 8).map((i) => replyLine(msg, i, depth + 1))
      const more = (v.count ?? 0) * (v.type === '%' ? 2 : 1) > 8 ? ' …' : ''
      const label = v.type === '%' ? `map[${v.count}]` : v.type === '~' ? `set[${v.count}]` : v.type === '>' ? `push[${v.count}]` : `[${v.count}]`
      return `${label} ${inner.join(' ')}${more}`.trimEnd()
    }
  }
}

function fieldOf(msg: Uint8Array, v: RespValue, name: string): MessageField {
  const kind = TYPE_NAMES[v.type] ?? v.type
  let value: string
  if (v.nil) value = '(nil)'
  else if (v.data) value = shown(dataOf(msg, v))
  else if (v.items) value = `${v.count} ${v.type === '%' ? 'pairs' : 'elements'}`
  else value = v.line ?? ''
  const children: MessageField[] = []
  if (v.attributes) children.push(fieldOf(msg, v.attributes, 'attributes'))
  v.items?.forEach((item, i) => {
    const label = v.type === '%' || v.type === '|' ? (i % 2 === 0 ? `key ${i / 2}` : `value ${(i - 1) / 2}`) : `[${i}]`
    children.push(fieldOf(msg, item, label))
  })
  return field(`${name} (${kind}${v.data ? `, ${v.data.length} bytes` : ''})`, value, v.offset, v.length, children)
}

export const respCodec: MessageCodec = {
  name: 'resp',
  open: () => new RespConnection(),
  describe(dir, msg, note, length, complete): Described {
    if (!complete && length === msg.length) return { summary: `incomplete (${msg.length} bytes so far)`, fields: [field('bytes', shown(msg), 0, msg.length)] }
    if (isInline(dir, msg[0])) {
      const words = inlineWords(msg)
      // An empty line is no command (redis skips it; `redis-cli --pipe` sends one before its ECHO).
      return { summary: words.length ? line(words.join(' ')) : '(empty line)', fields: [field('inline command', words.join(' '), 0, msg.length, words.map((w, i) => field(`[${i}]`, w)))] }
    }
    const b: { budget: number; root?: RespValue } = { budget: MESSAGE_MAX_FIELDS }
    const r = readResp(msg, 0, DEFAULT_MAX_MESSAGE, b)
    const root = b.root
    if (!root) return { summary: 'error' in r ? r.error : `RESP (${length} bytes)`, fields: [field('bytes', shown(msg), 0, msg.length)], ...('error' in r ? { error: r.error } : {}) }
    const tree = fieldOf(msg, root, dir === 'client' ? 'command' : note.command !== undefined && root.type !== '-' ? 'push' : 'reply')
    const fieldsCut = b.budget < 0 || (length > msg.length ? true : undefined)
    if (dir === 'client' && root.type === '*' && root.items) {
      const words = root.items.slice(0, 12).map((i, n) => (n === 0 ? (stringOf(msg, i) ?? '').toUpperCase() : i.data ? word(dataOf(msg, i)) : (i.line ?? '')))
      const more = (root.count ?? 0) > 12 ? ` … (${root.count} args)` : ''
      return { summary: line(words.join(' ') + more), fields: [tree], ...(fieldsCut ? { fieldsCut } : {}) }
    }
    return { summary: line(replyLine(msg, root)), fields: [tree], ...(fieldsCut ? { fieldsCut } : {}) }
  },
  refit: refitResp
}
