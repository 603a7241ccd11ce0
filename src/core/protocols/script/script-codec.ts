// A user's script as a message codec (`--frame script:FILE.js|.ts`), for protocols a `.ksy`
// cannot say: its `frame(bytes, ctx)` says how long the next message is (or that it needs
// more bytes, or that some bytes are no message), its optional `describe(message, ctx)` a
// summary and fields with their byte ranges, in the one field model (script-answers.ts).
//
// The codec only cuts and shows; the script runs in a thread of its own, each call within a
// time budget (src/core/script-framing/), and whatever comes back is checked first. A call
// that throws, runs out of its budget or answers nonsense stops that direction's cutting
// with one line naming the script's line (the rest of the stream is one message in error,
// as with any framing that cannot go on); bytes it skips are a message in error and cutting
// goes on after them. What frame() is shown is bounded by the message limit: a script that
// still wants more than that is told so, once.

import type { Direction } from '../../../shared/capture-types'
import { formatBytes } from '../../../shared/human-readable'
import { DEFAULT_MAX_MESSAGE, MESSAGE_SUMMARY_MAX } from '../../../shared/message-types'
import type { ConnectionCodec, Described, Measure, MessageCodec, MessageNote } from '../messages/message-codec'
import { line, shown } from '../messages/field-values'
import { describeAnswer, frameAnswer } from './script-answers'

/** One call of the script's function: what it returned (as boundedCopy made it), or why there is nothing. */
export type ScriptCall = { value: unknown } | { error: string }

/** What one connection's decoding counts of its script's calls: those past their budget, and why it stopped for the connection. */
export interface ScriptStrikes {
  count: number
  stopped?: string
}

/** A loaded script, called synchronously (the engine's side keeps each call within its budget). */
export interface FramingScript {
  /** The file as `script:` named it. */
  readonly path: string
  /** Whether the script exports describe(). */
  readonly describes: boolean
  /** `strikes`: the connection's count (none: a call of its own, counted only with the rest). */
  call(fn: 'frame' | 'describe', dir: Direction, bytes: Uint8Array, length: number, strikes?: ScriptStrikes): ScriptCall
}

export function scriptCodec(script: FramingScript): MessageCodec {
  return {
    name: 'script',
    open: () => new ScriptCutting(script),
    describe: (dir, msg, _note, length) => describeScript(script, dir, msg, length)
  }
}

/** Messages of a connection whose describe() was cut off, remembered so that showing them again costs no call. */
const CUT_DESCRIBES_KEPT = 256

class ScriptCutting implements ConnectionCodec {
  private readonly max = DEFAULT_MAX_MESSAGE
  /**
   * This connection's calls past their budget, cutting and describing apart: a page shown
   * again describes its messages again, and a describe() that loops on one of them must
   * neither stop the cutting of bytes still to come nor count again for the same message.
   */
  private readonly cutStrikes: ScriptStrikes = { count: 0 }
  private readonly describeStrikes: ScriptStrikes = { count: 0 }
  /** What describing a message said when its call was cut off, by the message's direction, length and bytes. */
  private readonly cutDescribes = new Map<string, Described>()

  constructor(private readonly script: FramingScript) {}

  note(): Record<string, never> {
    return {}
  }

  describe(dir: Direction, msg: Uint8Array, _note: MessageNote, length: number): Described {
    const key = `${dir} ${length} ${msg.length} ${fnv1a(msg)}`
    const known = this.cutDescribes.get(key)
    if (known !== undefined) return known
    const before = this.describeStrikes.count
    const d = describeScript(this.script, dir, msg, length, this.describeStrikes)
    if (this.describeStrikes.count > before && this.cutDescribes.size < CUT_DESCRIBES_KEPT) this.cutDescribes.set(key, d)
    return d
  }

  measure(dir: Direction, buf: Uint8Array): Measure {
    // The script sees what a message may be at most: past that, no answer it gives can be one.
    const shownBytes = buf.length > this.max ? buf.subarray(0, this.max) : buf
    const call = this.script.call('frame', dir, shownBytes, shownBytes.length, this.cutStrikes)
    if ('error' in call) return { error: `${call.error}: cutting stops here` }
    const answer = frameAnswer(call.value, shownBytes.length, this.max)
    switch (answer.kind) {
      case 'length':
        return answer.length
      case 'need':
        if (shownBytes.length >= this.max) return { error: `frame() found no message end within ${formatBytes(this.max)} (the message limit): cutting stops here` }
        return { need: answer.need }
      case 'skip':
        return { error: answer.error ?? `not a message: frame() skipped ${answer.skip === 1 ? '1 byte' : `${answer.skip} bytes`}`, length: answer.skip }
      case 'bad':
        return { error: `${answer.error} (${fileName(this.script.path)}): cutting stops here` }
    }
  }
}

/** A 32-bit FNV-1a of bytes: which message a remembered describe was (a message's first bytes, at most MESSAGE_DECODE_BYTES). */
function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193)
  return h >>> 0
}

/** `device.js` of `/home/me/device.js` (a Windows path too). */
const fileName = (path: string): string => path.replace(/^.*[\\/]/, '')

/** The summary of a message the script does not describe: its bytes as text, or hex. */
const plainSummary = (msg: Uint8Array): string => line(shown(msg.subarray(0, MESSAGE_SUMMARY_MAX)))

/** One message for a person: the script's summary and fields, checked; its error in their place when they are wrong. */
export function describeScript(script: FramingScript, dir: Direction, msg: Uint8Array, length: number, strikes?: ScriptStrikes): Described {
  if (!script.describes) return { summary: plainSummary(msg), fields: [] }
  const call = script.call('describe', dir, msg, length, strikes)
  const answer = 'error' in call ? call : describeAnswer(call.value, length)
  if ('error' in answer) {
    const error = 'value' in call ? `${answer.error} (${fileName(script.path)})` : answer.error
    return { summary: line(error), fields: [], error }
  }
  const out: Described = { summary: answer.summary ?? plainSummary(msg), fields: answer.fields }
  if (answer.cut || msg.length < length) out.fieldsCut = true
  return out
}
