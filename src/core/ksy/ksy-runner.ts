// Runs a Kaitai Struct parser compiled from a user's `.ksy` (ksy-compile.ts) over one
// message's bytes, bounded: the compiled code runs in a context of its own (no require, no
// process) with a time budget per run (node:vm's timeout), so a `.ksy` that loops or asks
// for a billion repeats ends as an error, not a hang; and a count of the items it makes, so
// a billion repeats of nothing end before they fill the heap. It reads only the bytes it is given,
// so a `size: 0xffffffff` fails as "end of stream" before anything is allocated; zlib
// output is capped (a field past the cap is an error on its message, and no bytes while
// cutting, so the message is still cut at its raw field's end). The top-level stream is
// watched: a read past its end says how many bytes the message needs ("need more"), and
// asking for its end (`repeat: eos`, `size-eos`, `_io.eof`) says the type has no end of its own.
//
// The compiled code is the user's own, like a rules script: the context keeps it from
// Node's APIs by accident, not as a security boundary against a hostile `.ksy`.

import { runInContext, createContext, Script, type Context } from 'node:vm'
import KaitaiStream from 'kaitai-struct/KaitaiStream'
import { formatBytes, formatCount } from '../../shared/human-readable'
import { KSY_MAX_ITEMS, KSY_MAX_MADE } from '../../shared/limits'
import { DEFAULT_MAX_MESSAGE } from '../../shared/message-types'
import { KSY_MAX_DEPTH, type KsyObject, type KsyParserLike, type KsyRun, type StreamProbe } from '../protocols/ksy/ksy-types'
import { ownThreadCpuMs } from '../thread-clock'
import { InflateEngines, MAX_INFLATERS } from './inflate-engines'

/**
 * Budget of one run of the compiled parser (a message's parse, or its fields with instances):
 * node:vm's timeout counts wall time, so a run cut there that ran less than this on the CPU
 * (its thread waited its turn on a busy machine) is run again, within STARVED_WALL_MS.
 */
export const KSY_RUN_BUDGET_MS = 250
/** Wall time of a run again after one that was cut while its thread waited: what a loaded machine may stretch a parse to, at most. */
const STARVED_WALL_MS = 8 * KSY_RUN_BUDGET_MS
/** A run cut by the wall with less than this share of its budget on the CPU waited rather than ran. */
const STARVED_SHARE = 0.8
/** Objects and instances the walk visits in one message, at most. */
const KSY_MAX_VISITS = 5000


/** Bytes `process: zlib` may make of one field. */
const ZLIB_MAX = DEFAULT_MAX_MESSAGE

/**
 * What a `process: zlib` field past ZLIB_MAX is, in a run that only measures (cutting): no
 * bytes. Its extent is its raw field's, so the parse goes on to the message's end; a type
 * parsed from it is not read at all (`skipUndecoded`), as its substream has nothing to read.
 */
const NOT_DECODED = new Uint8Array(new ArrayBuffer(0))
const ZLIB_PAST = `process: zlib inflates to more than ${ZLIB_MAX} bytes: not decoded`
/** The run under way: whether it measures (undecodable content is left out), and what it left out. */
const current: { measuring: boolean; notDecoded: string | undefined } = { measuring: false, notDecoded: undefined }

type Stream = InstanceType<typeof KaitaiStream>
type StreamGuts = { _buffer: ArrayBufferLike; _byteOffset: number; pos: number; size: number }

/** The runtime's stream, watched: the top-level stream of each run is one of these. */
class WatchedStream extends KaitaiStream {
  constructor(
    bytes: Uint8Array,
    readonly probe: StreamProbe
  ) {
    super(bytes as unknown as DataView<ArrayBuffer>)
  }

  override ensureBytesLeft(length: number): void {
    if (this.pos + length > this.size) this.probe.need = Math.max(this.probe.need, this.pos + length)
    super.ensureBytesLeft(length)
  }

  override readBytesTerm(terminator: number, include: boolean, consume: boolean, eosError: boolean): Uint8Array {
    const g = this as unknown as StreamGuts
    const rest = new Uint8Array(g._buffer, g._byteOffset + this.pos, this.size - this.pos)
    if (rest.indexOf(terminator) < 0) {
      this.probe.need = Math.max(this.probe.need, this.size + 1)
      if (!eosError) this.probe.toEnd = true
    }
    return super.readBytesTerm(terminator, include, consume, eosError)
  }

  override readBytesTermMulti(terminator: Uint8Array, include: boolean, consume: boolean, eosError: boolean): Uint8Array {
    const g = this as unknown as StreamGuts
    const rest = new Uint8Array(g._buffer, g._byteOffset + this.pos, this.size - this.pos)
    let found = false
    for (let i = 0; i + terminator.length <= rest.length && !found; i += terminator.length) found = terminator.every((b, j) => rest[i + j] === b)
    if (!found) {
      this.probe.need = Math.max(this.probe.need, this.size + 1)
      if (!eosError) this.probe.toEnd = true
    }
    return super.readBytesTermMulti(terminator, include, consume, eosError)
  }

  override isEof(): boolean {
    this.probe.toEnd = true
    return super.isEof()
  }

  override readBytesFull(): Uint8Array {
    this.probe.toEnd = true
    return super.readBytesFull()
  }
}

// The runtime turns a length into an int32 before checking it (`size: 0xffffffff` becomes -1, a RangeError):
// every read of bytes is checked against the stream first, so it is an end-of-stream like any other.
const readBytes = KaitaiStream.prototype.readBytes
KaitaiStream.prototype.readBytes = function (this: Stream, len: number): Uint8Array {
  // A size worked out from a field left out (its type not read) is no number: the message's end is not known, said rather than read as 0.
  if (current.notDecoded !== undefined && !Number.isFinite(len)) throw new Error('a size is worked out from content that was not decoded')
  this.ensureBytesLeft(len)
  return readBytes.call(this, len)
}

/**
 * What the run under way may still make: items, and bytes copied. The compiled code (debug
 * mode) notes where every field, repeat element and instance starts, reading its stream's
 * byteOffset each time: so counting those reads counts items, of every type and stream,
 * whatever the `.ksy` says. A field's bytes are a view of the message, but `process:`, a
 * string and a terminated or padded field are copies: a repeat of those over the message's
 * bytes (`pos: 0`) would copy them again each time, so what the runtime makes is counted too.
 * A run is synchronous: one count serves them all, and outside a run nothing is counted.
 */
const left = { items: Infinity, bytes: Infinity }
const ITEMS_PAST = `the parse made more than ${formatCount(KSY_MAX_ITEMS)} fields and repeated items, the most one message may have (a repeat-expr or repeat-until too large for a message, or a repeat of something that reads no bytes, such as size: 0?): bound the repeat, or read a long array as bytes (size: N)`
const BYTES_PAST = `the parse made more than ${formatBytes(KSY_MAX_MADE)} of strings and processed bytes, the most one message may (a repeat over the same bytes with pos:?): bound the repeat, or decode the field once`

/** Thrown into the compiled code when a run passes a bound, and again at every count after that: made once, as each costs a stack trace. */
class PastBudget extends Error {}
const TOO_MANY_ITEMS = new PastBudget(ITEMS_PAST)
const TOO_MANY_BYTES = new PastBudget(BYTES_PAST)

const made = (bytes: number): void => {
  if ((left.bytes -= bytes) < 0) throw TOO_MANY_BYTES
}

const byteOffset = Object.getOwnPropertyDescriptor(KaitaiStream.prototype, 'byteOffset')!
Object.defineProperty(KaitaiStream.prototype, 'byteOffset', {
  ...byteOffset,
  get(this: Stream): number {
    if (--left.items < 0) throw TOO_MANY_ITEMS
    return byteOffset.get!.call(this) as number
  }
})
// The runtime's one read of it (a field's bytes, as a view of the message) is no item of its own.
;(KaitaiStream.prototype as unknown as { mapUint8Array: (length: number) => Uint8Array }).mapUint8Array = function (this: Stream, length: number): Uint8Array {
  const g = this as unknown as StreamGuts
  length |= 0
  this.ensureBytesLeft(length)
  const arr = new Uint8Array(g._buffer, g._byteOffset + this.pos, length)
  this.pos += length
  return arr
}

type Runtime = Record<string, (data: Uint8Array, ...rest: unknown[]) => unknown>
// Each copies its input's bytes (or decodes them to as many characters, or fewer): counted before it does.
for (const name of ['bytesStripRight', 'bytesTerminate', 'bytesTerminateMulti', 'bytesToStr', 'processXorOne', 'processXorMany', 'processRotateLeft']) {
  const copy = (KaitaiStream as unknown as Runtime)[name]
  ;(KaitaiStream as unknown as Runtime)[name] = function (this: unknown, data: Uint8Array, ...rest: unknown[]): unknown {
    made(data.length)
    return copy.call(this, data, ...rest)
  }
}

/** What `process: zlib` inflates with: made before each run (inflate-engines.ts says why). */
const inflaters = new InflateEngines(ZLIB_MAX)

// zlib from the runtime would inflate without bound: a `.ksy`'s `process: zlib` gets at most ZLIB_MAX.
;(KaitaiStream as unknown as { processZlib: (b: Uint8Array) => Uint8Array }).processZlib = (buf) => {
  let out: Buffer | undefined
  try {
    out = inflaters.inflate(buf)
    // Every inflater made for the run is used: it runs again with more (KsyParser.run), unless there were MAX_INFLATERS.
    if (out === undefined) throw new Error(`more than ${MAX_INFLATERS} process: zlib fields in one message`)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      // Cutting needs the message's length, not this field's content: the run says it left it out.
      if (current.measuring) {
        current.notDecoded ??= ZLIB_PAST
        return NOT_DECODED
      }
      // Past the bound the message says so in words, not as zlib's buffer error.
      throw new Error(ZLIB_PAST)
    }
    throw err
  }
  made(out.length)
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}

/**
 * Each type's `_read` (the module's classes and the types nested in them) made to read
 * nothing from a stream over NOT_DECODED: the compiled code (debug mode) makes a type's object
 * then calls its `_read`, and that of a type parsed from a field left out would end the parse
 * at once with an end of stream of its substream, short of the message's end.
 */
function skipUndecoded(exports: Record<string, unknown>): void {
  const todo: unknown[] = Object.values(exports)
  const seen = new Set<unknown>()
  while (todo.length > 0) {
    const v = todo.pop()
    if (typeof v !== 'function' || seen.has(v)) continue
    seen.add(v)
    const proto = (v as { prototype?: unknown }).prototype as { _read?: unknown } | undefined
    const read = proto && Object.prototype.hasOwnProperty.call(proto, '_read') ? proto._read : undefined
    if (proto && typeof read === 'function')
      proto._read = function (this: { _io?: { _buffer?: unknown } }): unknown {
        if (this._io?._buffer === NOT_DECODED.buffer) return undefined
        return (read as () => unknown).call(this)
      }
    for (const key of Object.keys(v)) todo.push((v as unknown as Record<string, unknown>)[key])
  }
}

/** Runs in the parser's context, inside the budget: the parse, then (for fields) every instance forced once, its error kept. */
const HARNESS = `
function __instances(obj) {
  var names = [];
  var proto = Object.getPrototypeOf(obj);
  if (!proto) return names;
  var own = Object.getOwnPropertyNames(proto);
  for (var i = 0; i < own.length; i++) {
    var d = Object.getOwnPropertyDescriptor(proto, own[i]);
    if (d && typeof d.get === 'function') names.push(own[i]);
  }
  return names;
}
function __force(obj, depth, seen) {
  if (!obj || typeof obj !== 'object' || depth > ${KSY_MAX_DEPTH} || seen.n++ > ${KSY_MAX_VISITS}) return;
  if (seen.set.has(obj)) return;
  seen.set.add(obj);
  if (Array.isArray(obj)) { for (var i = 0; i < obj.length && i < ${KSY_MAX_VISITS}; i++) __force(obj[i], depth + 1, seen); return; }
  if (!obj._debug) return;
  for (var k in obj._debug) if (k.charAt(0) !== '_') __force(obj[k], depth + 1, seen);
  var inst = __instances(obj);
  for (var j = 0; j < inst.length; j++) {
    try { __force(obj[inst[j]], depth + 1, seen); }
    catch (e) { if (!obj.__instErr) obj.__instErr = {}; obj.__instErr[inst[j]] = (e && e.message) || String(e); }
  }
}
function __run(Top, stream, force) {
  var root = new Top(stream, null, null);
  var error = null;
  try { root._read(); } catch (e) { error = e; }
  if (force) __force(root, 0, { n: 0, set: new Set() });
  return { root: root, error: error };
}
`

/** A compiled `.ksy` ready to run: its modules evaluated once in a context of their own. */
export class KsyParser implements KsyParserLike {
  private readonly context: Context
  private readonly script = new Script('__run(__top, __stream, __fields)')
  /** Its code has `process: zlib` fields: inflaters are made before each run. */
  private readonly inflates: boolean
  /** Each module's exports, by its file name (`DeviceFrame`). */
  readonly modules = new Map<string, Record<string, unknown>>()

  constructor(
    files: Record<string, string>,
    /** The top-level type's class name (`DeviceFrame`). */
    readonly topClass: string
  ) {
    this.context = createContext({ __top: undefined, __stream: undefined, __fields: false })
    this.inflates = Object.values(files).some((code) => code.includes('processZlib'))
    const sources = new Map(Object.entries(files).map(([name, code]) => [name.replace(/\.js$/, ''), code]))
    const require = (name: string): unknown => {
      if (name === 'kaitai-struct/KaitaiStream') return KaitaiStream
      const base = name.replace(/^.*\//, '')
      return this.load(base, sources.get(base), require)
    }
    runInContext(HARNESS, this.context, { timeout: KSY_RUN_BUDGET_MS * 4 })
    const top = (this.load(topClass, sources.get(topClass), require) as Record<string, unknown>)[topClass]
    if (typeof top !== 'function') throw new Error(`the compiled parser has no ${topClass}`)
    this.context.__top = top
  }

  private load(name: string, code: string | undefined, require: (n: string) => unknown): Record<string, unknown> {
    const have = this.modules.get(name)
    if (have) return have
    if (code === undefined) throw new Error(`the compiled parser needs ${name}, which it does not have`)
    const exports: Record<string, unknown> = {}
    this.modules.set(name, exports)
    const wrapped = new Script(`(function (exports, require) {${code}\n})`).runInContext(this.context, { timeout: KSY_RUN_BUDGET_MS * 4 }) as (e: unknown, r: unknown) => void
    wrapped(exports, require)
    skipUndecoded(exports)
    return exports
  }

  /**
   * Parses `bytes` as the top-level type; `fields`: also computes every instance (for a
   * person's tree). Past the wall budget with less than the budget of CPU (on Linux, or Node
   * 22.19 on), the parse is run again, with more wall time: the same bytes parse the same.
   * Then its CPU time is the budget: a parse that took more of it is cut as before.
   */
  run(bytes: Uint8Array, fields: boolean): KsyRun {
    if (!this.inflates) return this.runBudgeted(bytes, fields)
    for (;;) {
      const run = this.runBudgeted(bytes, fields)
      // Out of inflaters: run again with more, unless it ran out of time or a bound anyway, or there were MAX_INFLATERS.
      if (!inflaters.spent || run.timedOut || !inflaters.grow()) return run
    }
  }

  private runBudgeted(bytes: Uint8Array, fields: boolean): KsyRun {
    const cpu0 = ownThreadCpuMs()
    const t0 = performance.now()
    const first = this.runWithin(bytes, fields, KSY_RUN_BUDGET_MS)
    if (!first.wallTimeout) return first.run
    const ran = (ownThreadCpuMs() ?? Infinity) - (cpu0 ?? 0)
    // A loop runs on the CPU nearly all of its wall time: only a thread clearly kept waiting is run again.
    if (!(ran < STARVED_SHARE * KSY_RUN_BUDGET_MS)) return first.run
    // As much wall time as the budget took at the share of the CPU the thread was given, and more.
    const wall = Math.min(STARVED_WALL_MS, (1.5 * KSY_RUN_BUDGET_MS * (performance.now() - t0)) / Math.max(ran, 1))
    const cpu1 = ownThreadCpuMs() ?? Infinity
    const again = this.runWithin(bytes, fields, Math.ceil(Math.max(KSY_RUN_BUDGET_MS, wall)))
    if (!again.wallTimeout && (ownThreadCpuMs() ?? Infinity) - cpu1 < KSY_RUN_BUDGET_MS) return again.run
    return first.run
  }

  private runWithin(bytes: Uint8Array, fields: boolean, wallMs: number): { run: KsyRun; wallTimeout: boolean } {
    if (this.inflates) inflaters.fill()
    const probe: StreamProbe = { need: 0, toEnd: false }
    const stream = new WatchedStream(bytes, probe)
    this.context.__stream = stream
    this.context.__fields = fields
    let out: { root: KsyObject; error: unknown }
    let timedOut = false
    let notDecoded: string | undefined
    left.items = KSY_MAX_ITEMS
    left.bytes = KSY_MAX_MADE
    current.measuring = !fields
    current.notDecoded = undefined
    try {
      out = this.script.runInContext(this.context, { timeout: wallMs }) as { root: KsyObject; error: unknown }
      // Past a bound, even where the harness kept the error (an instance's, while forcing them): the whole run is cut off.
      if (left.items < 0) throw TOO_MANY_ITEMS
      if (left.bytes < 0) throw TOO_MANY_BYTES
    } catch (err) {
      // A budget ran out (or the stack did): nothing the parse made is kept.
      timedOut = (err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT'
      const past = err instanceof PastBudget
      const message = timedOut ? `the parse took longer than ${KSY_RUN_BUDGET_MS} ms (a .ksy's loop or repeat too large for a message)` : errorText(err)
      return { run: { root: { _io: stream as unknown as KsyObject['_io'], _debug: {} }, error: { message, name: timedOut ? 'Timeout' : past ? 'Limit' : 'Error' }, end: stream.pos, probe, timedOut: timedOut || past }, wallTimeout: timedOut }
    } finally {
      this.context.__stream = undefined
      left.items = Infinity
      left.bytes = Infinity
      current.measuring = false
      notDecoded = current.notDecoded
      current.notDecoded = undefined
    }
    const run: KsyRun = { root: out.root, end: stream.pos, probe, timedOut }
    if (notDecoded !== undefined) run.notDecoded = notDecoded
    if (out.error !== null && out.error !== undefined) run.error = { message: errorText(out.error), name: (out.error as { name?: string }).name ?? 'Error' }
    return { run, wallTimeout: false }
  }

  /** An enum by the compiled code's name for it (`DeviceFrame.Kind`): number to its name. */
  enumOf(path: string): Record<string, unknown> | undefined {
    const [first, ...rest] = path.split('.')
    let at: unknown = this.modules.get(first)?.[first]
    for (const p of rest) at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[p] : typeof at === 'function' ? (at as unknown as Record<string, unknown>)[p] : undefined
    return at !== null && typeof at === 'object' ? (at as Record<string, unknown>) : undefined
  }
}

/**
 * A runtime error as one line: the runtime's validation errors say what they expected. A
 * type that holds itself with nothing to end it (`seq: [{id: a, type: x}]` in x) recurses
 * until V8's stack is spent: said as what it most likely is, not as V8's RangeError.
 */
export function errorText(err: unknown): string {
  const e = err as { name?: string; message?: string }
  if (e?.name === 'RangeError' && /call stack/i.test(e.message ?? '')) return 'its types nest too deep (a type that holds itself, directly or through others, with nothing to end it?): the parse ran out of stack'
  const message = (e?.message ?? String(err)).replace(/\s+/g, ' ').trim()
  const name = e?.name && e.name !== 'Error' ? `${e.name}: ` : ''
  return `${name}${message}`.slice(0, 300)
}
