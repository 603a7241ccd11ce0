// A `.ksy` file as a message codec (`--frame ksy:FILE`): its top-level type is one message.
//
// Cutting: a message ends where the top-level parse ends. A read past the bytes buffered
// means "need more": the cutter asks again once the stream has as many bytes as that read
// wanted (a length-prefixed body: exactly its end; a terminator not found yet: one more
// byte), so a message is parsed again only when bytes it needs arrived, never per byte
// given. Waiting stops at the message limit. Bytes that do not parse are one message in
// error, and cutting goes on at the next byte a message can start at (resynchronising).
// A field whose content cannot be decoded (`process: zlib` past its bound) still has its
// raw size: cutting goes past it, and only describing the message says it in error.
// A type that reads to the end of its stream has no end of its own: cutting stops with one
// line saying to put it `within=` a plain framing, which then cuts and the file decodes.
//
// Every run of the user's compiled parser has a budget of time and of items (ksy-runner.ts);
// a connection whose parses keep running out of it stops being cut, so a hostile `.ksy` costs a bounded
// time per connection, not per message.

import type { Direction } from '../../../shared/capture-types'
import { formatBytes } from '../../../shared/human-readable'
import { DEFAULT_MAX_MESSAGE, formatFrameSpec, type FrameSpec, type PlainFrameSpec } from '../../../shared/message-types'
import type { ConnectionCodec, Described, Measure, MessageCodec } from '../messages/message-codec'
import { plainCodec } from '../messages/plain-framings'
import { line } from '../messages/field-values'
import type { CompiledKsy } from './ksy-types'
import { ksyFields } from './ksy-fields'

/** Bytes skipped at most in one go while looking for the next message's start. */
const RESYNC_SCAN = 64 * 1024
/** Parses that ran out of their budget (time or items) before a connection's cutting stops. */
const TIMEOUTS_ALLOWED = 3

type KsySpec = Extract<FrameSpec, { kind: 'ksy' }>

export function ksyCodec(spec: KsySpec, ksy: CompiledKsy): MessageCodec {
  const within = spec.within ? plainCodec(spec.within) : undefined
  return {
    name: 'ksy',
    open: (how) => (within ? within.open(how) : new KsyCutting(spec, ksy, how?.live === true)),
    describe: (_dir, msg, _note, length, complete) => describeKsy(ksy, msg, length, complete),
    ...(within?.refit ? { refit: within.refit } : {})
  }
}

class KsyCutting implements ConnectionCodec {
  private timeouts = 0
  /** Each direction's bytes past its buffer's first already found to start no message (measure's scan). */
  private readonly scanned: Record<Direction, number> = { client: 0, server: 0 }
  /** Why the buffer's first byte starts no message, while its scan waits for more bytes. */
  private readonly noMessage: Record<Direction, string | undefined> = { client: undefined, server: undefined }
  private readonly max = DEFAULT_MAX_MESSAGE

  constructor(
    private readonly spec: KsySpec,
    private readonly ksy: CompiledKsy,
    /** Bytes pass as they are cut: noise is given up at the first start that may be a message, never waited on. */
    private readonly live = false
  ) {}

  note(): Record<string, never> {
    return {}
  }

  measure(dir: Direction, buf: Uint8Array): Measure {
    // The buffer's start already found to be no message (its scan waits for more): not parsed again.
    const known = this.noMessage[dir]
    if (known !== undefined) return this.skip(dir, buf, known, false)
    const first = this.attempt(buf)
    if (first.kind === 'whole') return first.length
    if (first.kind === 'need') return { need: first.need }
    if (first.kind === 'stop') return { error: first.error }
    return this.skip(dir, buf, first.error, this.live)
  }

  /** The stream ended: bytes measure left waiting because they might start a message, when they start none, are said as skipped. */
  settle(dir: Direction, buf: Uint8Array): { error: string; length: number } | undefined {
    const why = this.noMessage[dir]
    if (why === undefined) return undefined
    const m = this.skip(dir, buf, why, true)
    return typeof m === 'object' && 'error' in m && m.length !== undefined ? { error: m.error, length: m.length } : undefined
  }

  /**
   * Not a message at the buffer's start: skip to the next byte one can start at. Where that is
   * is decided on the bytes alone, never on where the stream's pieces happened to end (a live
   * capture gets them a record at a time, its file in large windows, and both must list the
   * same messages): a start that needs more bytes to tell, or bytes that end before one is
   * found, wait for more, as a message does, until the stream ends (`ended`: settle). A start
   * found bad stays bad with more bytes (it failed on bytes it had), so the scan goes on from
   * where the last one stopped.
   */
  private skip(dir: Direction, buf: Uint8Array, why: string, ended: boolean): Measure {
    const upto = Math.min(buf.length, RESYNC_SCAN)
    let at = Math.max(1, this.scanned[dir])
    for (; at < upto; at++) {
      const next = this.attempt(buf.subarray(at))
      if (next.kind === 'stop') return this.cut(dir, { error: next.error, length: at })
      if (next.kind === 'whole' || (next.kind === 'need' && ended)) break
      if (next.kind === 'need') {
        this.scanned[dir] = at
        this.noMessage[dir] = why
        return { need: at + next.need }
      }
    }
    if (at === buf.length && at < RESYNC_SCAN && !ended) {
      this.scanned[dir] = at
      this.noMessage[dir] = why
      return { need: at + 1 }
    }
    return this.cut(dir, { error: `not a ${this.ksy.id} message: ${why}; ${at === 1 ? '1 byte' : `${at} bytes`} skipped`, length: at })
  }

  /** Bytes measured away: the next buffer starts after them, and its scan from its start. */
  private cut(dir: Direction, m: { error: string; length: number }): { error: string; length: number } {
    this.scanned[dir] = 0
    this.noMessage[dir] = undefined
    return m
  }

  private attempt(buf: Uint8Array): { kind: 'whole'; length: number } | { kind: 'need'; need: number } | { kind: 'bad'; error: string } | { kind: 'stop'; error: string } {
    if (this.timeouts >= TIMEOUTS_ALLOWED) return { kind: 'stop', error: `ksy:${this.spec.path}: ${TIMEOUTS_ALLOWED} parses ran past their budget (of time, or of items): cutting stops here` }
    const run = this.ksy.parser.run(buf, false)
    if (run.timedOut) {
      this.timeouts++
      return { kind: 'bad', error: run.error!.message }
    }
    if (run.probe.toEnd) {
      const example = formatFrameSpec({ ...this.spec, within: { kind: 'length', size: 2, endian: 'big', offset: 0, adjust: 0, max: DEFAULT_MAX_MESSAGE } satisfies PlainFrameSpec })
      return { kind: 'stop', error: `ksy:${this.spec.path}: its top-level type reads to the end of its stream (repeat: eos, size-eos or _io.eof), so a message has no end of its own: cut it with a plain framing, e.g. --frame ${example}` }
    }
    if (run.error) {
      // A read past the bytes there are: more may come, up to the message limit (a `size: 0xffffffff` is a note, not a wait).
      if (run.probe.need > this.max) return { kind: 'bad', error: `it needs ${run.probe.need.toLocaleString('en-US')} bytes, over the ${formatBytes(this.max)} message limit` }
      if (run.probe.need > buf.length) return { kind: 'need', need: run.probe.need }
      // A field left out (run.notDecoded) ends no parse by itself (ksy-runner.ts): what failed after it is said with it, as its content may be why.
      return { kind: 'bad', error: run.notDecoded ? `${run.error.message} (past a field not decoded: ${run.notDecoded})` : run.error.message }
    }
    if (run.end === 0) return { kind: 'stop', error: `ksy:${this.spec.path}: its top-level type reads no bytes, so it cannot cut a stream: give it a seq` }
    return { kind: 'whole', length: run.end }
  }
}

/** One message for a person: its fields as the file names them, and a summary of its first ones. */
export function describeKsy(ksy: CompiledKsy, msg: Uint8Array, length: number, complete: boolean): Described {
  const run = ksy.parser.run(msg, true)
  const { fields, cut } = ksyFields(ksy, run.root)
  const out: Described = { summary: summaryOf(ksy, fields), fields }
  if (cut) out.fieldsCut = true
  if (run.error) {
    const partial = msg.length < length && run.probe.need > msg.length
    if (partial) out.fieldsCut = true
    else out.error = complete ? `does not parse as ${ksy.id}: ${run.error.message}` : `the stream ended inside this ${ksy.id} message: ${run.error.message}`
    // A message the stream ended inside says so in its flag and error once (messages.ts): its summary stays what it holds.
    if (!partial && complete) out.summary = line(`${out.error}${out.summary ? ` — ${out.summary}` : ''}`)
  } else if (run.end < msg.length && length === msg.length) {
    out.summary = line(`${out.summary} (+${msg.length - run.end} bytes after the ${ksy.id})`)
  }
  return out
}

/** A field that sizes or counts another (`key_len`, `tag_count`): in a summary, the values it sizes come first. */
const SIZES = /(^|_)(len|length|size|count)$/i

const shortValue = (v: string): string => (v.length > 40 ? `${v.slice(0, 39)}…` : v)

/**
 * `id` and its first top-level values (byte arrays left to the tree), a nested type by its
 * first few values: `blob_msg msg_type=put (2) len=18 payload=put{key=color value=blue …}`.
 * What a summary leaves out is marked `…`, so a short one is never taken for all there is.
 */
function summaryOf(ksy: CompiledKsy, fields: Described['fields']): string {
  const parts: string[] = []
  for (const f of fields) {
    if (parts.join(' ').length > 160) {
      parts.push('…')
      break
    }
    if (f.children?.length) {
      const leaves = f.children.filter((c) => !c.children?.length && c.value !== '')
      const values = leaves.filter((c) => !SIZES.test(c.name))
      const inner = (values.length ? values : leaves).slice(0, 3)
      const more = inner.length < f.children.length ? ' …' : ''
      parts.push(`${f.name}=${f.value}${inner.length ? `{${inner.map((c) => `${c.name}=${shortValue(c.value)}`).join(' ')}${more}}` : ''}`)
    } else if (f.value !== '' && !f.value.startsWith('0x ')) parts.push(`${f.name}=${shortValue(f.value)}`)
  }
  return line(`${ksy.id} ${parts.join(' ')}`.trim())
}
