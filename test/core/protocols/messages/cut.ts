// Test helpers: cut a conversation into messages with a codec, fed in given or random pieces.

import type { Direction } from '../../../../src/shared/capture-types'
import type { MessageCodec } from '../../../../src/core/protocols/messages/message-codec'
import { MessageCutter, type CutMessage } from '../../../../src/core/protocols/messages/message-cutter'
import { seeded } from '../../../helpers/seeded'

export { seeded }

export interface Turn {
  dir: Direction
  bytes: Uint8Array | string
}

const asBytes = (b: Uint8Array | string): Uint8Array => (typeof b === 'string' ? new TextEncoder().encode(b) : b)


/**
 * Cuts the turns into messages. `split`: how each turn is pushed: whole, in pieces of random
 * sizes, or one byte at a time; `coalesce` joins consecutive turns of one direction first.
 */
export function cut(codec: MessageCodec, turns: Turn[], opts: CutOptions = {}): CutMessage[] {
  return cutWith(codec, turns, opts).messages
}

type CutOptions = { split?: 'whole' | 'random' | 'bytes'; seed?: number; coalesce?: boolean; end?: boolean }

/** cut's messages, with the cutter that cut them (it describes them as the engine does: MessageCutter.describe). */
export function cutWith(codec: MessageCodec, turns: Turn[], opts: CutOptions = {}): { messages: CutMessage[]; cutter: MessageCutter } {
  const out: CutMessage[] = []
  const cutter = new MessageCutter(codec, (m) => out.push(m))
  const offsets = { client: 0, server: 0 }
  const rnd = seeded(opts.seed ?? 1)
  let list = turns.map((t) => ({ dir: t.dir, bytes: asBytes(t.bytes) }))
  if (opts.coalesce) {
    const joined: typeof list = []
    for (const t of list) {
      const last = joined[joined.length - 1]
      if (last && last.dir === t.dir) {
        const b = new Uint8Array(last.bytes.length + t.bytes.length)
        b.set(last.bytes)
        b.set(t.bytes, last.bytes.length)
        last.bytes = b
      } else joined.push({ ...t })
    }
    list = joined
  }
  let time = 1000
  for (const t of list) {
    let at = 0
    while (at < t.bytes.length) {
      const n = opts.split === 'bytes' ? 1 : opts.split === 'random' ? 1 + Math.floor(rnd() * Math.min(64, t.bytes.length - at)) : t.bytes.length
      cutter.push(t.dir, t.bytes.subarray(at, at + n), offsets[t.dir], time++)
      offsets[t.dir] += n
      at += n
    }
  }
  if (opts.end !== false) {
    cutter.end('client', time)
    cutter.end('server', time)
  }
  return { messages: out, cutter }
}

/** Each message's bytes, as text. */
export function texts(turns: Turn[], messages: CutMessage[]): string[] {
  const streams = { client: '', server: '' }
  for (const t of turns) streams[t.dir] += typeof t.bytes === 'string' ? t.bytes : Buffer.from(t.bytes).toString('latin1')
  return messages.map((m) => streams[m.dir].slice(m.offset, m.offset + m.length))
}
