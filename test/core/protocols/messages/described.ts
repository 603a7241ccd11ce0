// Test helpers: cut a conversation with a codec and describe every message from its own bytes.

import type { MessageCodec } from '../../../../src/core/protocols/messages/message-codec'
import type { CutMessage } from '../../../../src/core/protocols/messages/message-cutter'
import { MESSAGE_DECODE_BYTES, type MessageField } from '../../../../src/shared/message-types'
import { cut, cutWith, type Turn } from './cut'

const asBytes = (b: Uint8Array | string): Uint8Array => (typeof b === 'string' ? new TextEncoder().encode(b) : b)

/** Each direction's whole stream. */
export function streams(turns: Turn[]): { client: Uint8Array; server: Uint8Array } {
  const parts = { client: [] as Uint8Array[], server: [] as Uint8Array[] }
  for (const t of turns) parts[t.dir].push(asBytes(t.bytes))
  return { client: new Uint8Array(Buffer.concat(parts.client)), server: new Uint8Array(Buffer.concat(parts.server)) }
}

export type DescribedMessage = CutMessage & { bytes: Uint8Array; summary: string; fields: MessageField[]; described: ReturnType<MessageCodec['describe']> }

export function describeAll(codec: MessageCodec, turns: Turn[], opts: Parameters<typeof cut>[2] = {}): DescribedMessage[] {
  const s = streams(turns)
  const { messages, cutter } = cutWith(codec, turns, opts)
  return messages.map((m) => {
    const bytes = s[m.dir].subarray(m.offset, m.offset + m.length)
    // As the engine describes a connection's messages: by its cutter (the codec's state of that connection).
    const described = cutter.describe(m.dir, bytes.subarray(0, MESSAGE_DECODE_BYTES), m.note, m.length, !m.incomplete)
    return { ...m, bytes, summary: described.summary, fields: described.fields, described }
  })
}

/** The first field of a tree (depth first) whose name starts with `name`. */
export function findField(fields: MessageField[] | undefined, name: string): MessageField | undefined {
  for (const f of fields ?? []) {
    if (f.name.startsWith(name)) return f
    const inner = findField(f.children, name)
    if (inner) return inner
  }
  return undefined
}

/** Every field's name and value, flattened, for `toContain` checks. */
export function flatFields(fields: MessageField[] | undefined, out: string[] = []): string[] {
  for (const f of fields ?? []) {
    out.push(`${f.name}: ${f.value}`)
    flatFields(f.children, out)
  }
  return out
}

/** A seeded run of mutations over a conversation: flipped, dropped and inserted bytes. */
export function mutate(turns: Turn[], rnd: () => number): Turn[] {
  return turns.map((t) => {
    const b = Array.from(asBytes(t.bytes))
    const n = 1 + Math.floor(rnd() * 4)
    for (let i = 0; i < n && b.length; i++) {
      const at = Math.floor(rnd() * b.length)
      const what = rnd()
      if (what < 0.6) b[at] = Math.floor(rnd() * 256)
      else if (what < 0.8) b.splice(at, 1)
      else b.splice(at, 0, Math.floor(rnd() * 256))
    }
    return { dir: t.dir, bytes: Uint8Array.from(b) }
  })
}
