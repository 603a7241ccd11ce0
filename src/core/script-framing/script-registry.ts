// The framing scripts loaded in this engine, by path (`--frame script:FILE`). As with `.ksy`
// files (ksy-registry.ts), loading is async (the file is read, its thread started and the
// module imported) while a codec is asked for synchronously where bytes are cut: so every
// place a `script:` framing comes in loads it first (framing-files.ts), and codecFor then
// finds it here.
//
// One script per path, for good: loading the path again reads the file again, and a changed
// file is started in a new thread that replaces the old one once it loaded (a file that no
// longer loads leaves the running one, and says why). A call past its budget ends the thread
// (nothing else stops a loop), as does one whose arrays pass its memory, and the script
// starts again in a new one for the calls that follow. They are counted per connection (its
// cutting and its describing apart: script-codec.ts): after TIMEOUTS_PER_CONNECTION on one,
// the script stops for the rest of that, so a connection reads the same whether it is decoded
// alone or after others whose calls looped a few times. After TIMEOUTS_ALLOWED in all it stays
// stopped until it is loaded again, so a script that always loops costs a bounded time, said
// in one line per connection it stops.

import { basename } from 'node:path'
import type { Direction } from '../../shared/capture-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import type { FrameSpec } from '../../shared/message-types'
import { builtWorkerFile } from '../built-worker'
import { readSmallFile } from '../files/read-small-file'
import { setScriptCodecs } from '../protocols/messages/message-decoders'
import type { MessageCodec } from '../protocols/messages/message-codec'
import { scriptCodec, type FramingScript, type ScriptCall, type ScriptStrikes } from '../protocols/script/script-codec'
import { FramingThread, MEMORY_MB, SCRIPT_CALL_BUDGET_MS } from './framing-thread'

/** A script is code a person writes; 4 MiB is far past any (as a rules script: script-host.ts). */
const MAX_SCRIPT_BYTES = 4 * 1024 * 1024
/** Calls past their budget on one connection before the script stops for the rest of it. */
export const TIMEOUTS_PER_CONNECTION = 3
/** Calls past their budget in all (three connections' worth) before a script stays stopped. */
export const TIMEOUTS_ALLOWED = 3 * TIMEOUTS_PER_CONNECTION
/** Scripts kept loaded at once; loading one more ends the one loaded longest ago. */
const KEPT = 16

type ScriptSpec = Extract<FrameSpec, { kind: 'script' }>

let workerFile: string | undefined
/** The script worker's built file, where the engine runs from source (tests): the engine's scriptWorkerFile. */
export function setFramingWorkerFile(file: string): void {
  workerFile = file
}

class LoadedScript implements FramingScript {
  describes = false
  private timeouts = 0
  private stopped: string | undefined

  constructor(
    readonly path: string,
    private readonly file: string,
    public source: string,
    private thread: FramingThread | undefined
  ) {
    this.describes = thread?.describes ?? false
  }

  /** Runs a new version (already loaded) from now on, its budget afresh. */
  swap(thread: FramingThread, source: string): void {
    this.thread?.terminate()
    this.thread = thread
    this.source = source
    this.describes = thread.describes
    this.timeouts = 0
    this.stopped = undefined
  }

  get isStopped(): boolean {
    return this.stopped !== undefined
  }

  call(fn: 'frame' | 'describe', dir: Direction, bytes: Uint8Array, length: number, strikes: ScriptStrikes = { count: 0 }): ScriptCall {
    if (this.stopped !== undefined) return { error: this.stopped }
    if (strikes.stopped !== undefined) return { error: strikes.stopped }
    this.thread ??= this.start()
    const answer = this.thread.call(fn, dir, bytes, length)
    if (!('timedOut' in answer) && !('stopped' in answer)) return answer
    this.thread.terminate()
    this.thread = undefined
    const name = basename(this.path)
    const why = 'timedOut' in answer ? `${fn}() gave no answer within its ${SCRIPT_CALL_BUDGET_MS} ms budget (a loop? ${name})` : `${fn}(): ${name} ${answer.stopped}`
    const past = (n: number): string => `${n} calls ${'timedOut' in answer ? `ran past their ${SCRIPT_CALL_BUDGET_MS} ms budget` : `were cut off, the last as its thread ran out of memory (${MEMORY_MB} MiB)`}`
    if (++this.timeouts >= TIMEOUTS_ALLOWED) {
      this.stopped = `${name}: stopped after ${past(TIMEOUTS_ALLOWED)}; fix it and load it again (--frame or Decode as…)`
      return { error: `${why}; ${this.stopped}` }
    }
    // Started again at once, so it loads while other work goes on; a call before it loaded waits for that.
    this.thread = this.start()
    if (++strikes.count >= TIMEOUTS_PER_CONNECTION) {
      strikes.stopped = `${name}: stopped on this connection after ${past(TIMEOUTS_PER_CONNECTION)}; other connections start it again`
      return { error: `${why}; ${strikes.stopped}` }
    }
    return { error: `${why}; the script starts again for what follows` }
  }

  private start(): FramingThread {
    // The path as `script:` gave it (see loadScriptFraming).
    return new FramingThread(this.file, this.path, this.source)
  }

  close(): void {
    this.thread?.terminate()
    this.thread = undefined
    this.stopped = `${basename(this.path)} is no longer loaded`
  }
}

const loaded = new Map<string, LoadedScript>()

/** Loads the script a `script:` framing names: a UserError in one line when it cannot be (a missing file, a syntax error with its line, no frame export). */
export async function loadScriptFraming(spec: ScriptSpec): Promise<void> {
  const shown = `script:${spec.path}`
  const source = (await readSmallFile(spec.path, `cannot read ${shown}`, MAX_SCRIPT_BYTES, 'a script')).toString('utf8')
  const had = loaded.get(spec.path)
  if (had && had.source === source && !had.isStopped) return
  const file = workerFile ?? builtWorkerFile('script-worker')
  if (file === undefined) throw new UserError('cannot run a script: framing: the script worker (script-worker.cjs) is not built beside tcpscope', ERROR_CODES.EINTERNAL)
  // The path as given, not resolved: the thread's errors name the file as the user did (its file
  // URL, for the lines of its stack, is resolved from the same working directory).
  const thread = new FramingThread(file, spec.path, source)
  try {
    await thread.loading()
  } catch (err) {
    thread.terminate()
    throw new UserError((err as Error).message, ERROR_CODES.EINVAL)
  }
  const again = loaded.get(spec.path)
  if (again) return again.swap(thread, source)
  loaded.set(spec.path, new LoadedScript(spec.path, file, source, thread))
  if (loaded.size > KEPT) {
    const [oldest, script] = loaded.entries().next().value!
    loaded.delete(oldest)
    script.close()
  }
}

/** The codec of a loaded `script:` framing; undefined when it was not loaded. */
export function scriptCodecFor(spec: ScriptSpec): MessageCodec | undefined {
  const script = loaded.get(spec.path)
  return script ? scriptCodec(script) : undefined
}

// codecFor (the decoders' registry, which loads no files) finds `script:` codecs here once the engine has loaded this module.
setScriptCodecs(scriptCodecFor)
