// A framing script's thread (the script worker, started in framing mode: script-worker.ts).
// It loads the user's module once (script-load.ts: TypeScript's types stripped, one-line
// load errors), then answers each call of frame() or describe() as it comes: what the
// function returned, copied within bounds (script-answers.ts), or its throw with the line of
// the user's file. The engine waits for each answer synchronously (framing-thread.ts), so
// an answer is posted first and then counted, which wakes it; so is a call it begins, from
// when its budget runs.

import { basename } from 'node:path'
import { format } from 'node:util'
import type { MessagePort } from 'node:worker_threads'
import { boundedCopy } from '../protocols/script/script-answers'
import { describeThrown, importScript, ScriptLoadError, whereIn } from '../rules/script/script-load'
import { ARRAYS_EXIT_CODE, arraysPast, watchArrays } from '../rules/script/script-memory'
import { ownThreadId } from '../thread-clock'
import { BEGUN, EVENTS, RETURNED, TID, type FromFraming, type ToFraming } from './framing-messages'

type Fn = (bytes: Uint8Array, ctx: Record<string, unknown>) => unknown

/**
 * What the script prints goes to stderr, line by line after its name, as tcpscope's own notes
 * do: the engine's stdout may be `--json`, which a console.log must not break into.
 */
function quietStdout(name: string): void {
  const toStderr = (...args: unknown[]): void => void process.stderr.write(`script:${name}: ${format(...args)}\n`)
  for (const method of ['log', 'info', 'debug', 'warn', 'error', 'trace'] as const) console[method] = toStderr
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write
}

export function serveFraming(port: MessagePort, answers: SharedArrayBuffer, memoryMb: number): void {
  const counter = new Int32Array(answers)
  // So that the engine can time a call by this thread's CPU, not by the clock on the wall.
  Atomics.store(counter, TID, ownThreadId() ?? 0)
  let path = ''
  const fns: { frame?: Fn; describe?: Fn } = {}
  /** Calls wait for the load (an import is async), in the order they came. */
  let ready: Promise<void> = Promise.resolve()

  const answer = (a: FromFraming): void => {
    try {
      port.postMessage(a)
    } catch (err) {
      port.postMessage({ id: a.id, error: `its answer could not be sent: ${describeThrown(err)}` } satisfies FromFraming)
    }
    wake()
  }
  const wake = (): void => {
    Atomics.add(counter, EVENTS, 1)
    Atomics.notify(counter, EVENTS)
  }

  const load = async (id: number, file: string, source: string): Promise<void> => {
    path = file
    quietStdout(basename(file))
    try {
      const exports = await importScript(file, source)
      if (typeof exports.frame !== 'function') return answer({ id, failed: `${file} exports no frame function: a script: framing needs export function frame(bytes, ctx) that returns the next message's length` })
      if (exports.describe !== undefined && typeof exports.describe !== 'function') return answer({ id, failed: `${file}: its describe export is not a function` })
      fns.frame = exports.frame as Fn
      fns.describe = exports.describe as Fn | undefined
      answer({ id, loaded: { describes: fns.describe !== undefined } })
    } catch (err) {
      answer({ id, failed: err instanceof ScriptLoadError ? err.message : `${file}: ${describeThrown(err)}` })
    }
  }

  const call = (m: Extract<ToFraming, { op: 'frame' | 'describe' }>): FromFraming => {
    const fn = fns[m.op]
    if (!fn) return { id: m.id, error: `${m.op}() is not exported` }
    // Said before the script runs: the engine's budget for the call starts now.
    Atomics.store(counter, BEGUN, m.id)
    wake()
    try {
      const returned = fn(m.bytes, m.op === 'frame' ? { direction: m.dir } : { direction: m.dir, length: m.length })
      if (typeof (returned as { then?: unknown } | null)?.then === 'function') return { id: m.id, error: `${m.op}() returned a promise (${whereIn(undefined, path)}): it must answer at once, without async or await` }
      return { id: m.id, value: boundedCopy(returned) }
    } catch (err) {
      return { id: m.id, error: `${m.op}() threw: ${describeThrown(err)} (${whereIn(err, path)})` }
    }
  }

  // A script's timer or promise that fails outside a call: the thread goes on (left alone, Node
  // would end it). Only calls answer, so there is no one to tell.
  process.on('uncaughtException', () => undefined)
  process.on('unhandledRejection', () => undefined)

  // Past its memory: the call (or, between calls, the engine's next look) is told, and the thread ends.
  let calling = 0
  const arraysPastLimit = watchArrays(memoryMb, () => {
    answer({ id: calling, ended: `it ran out of memory (${arraysPast(memoryMb)})` })
    process.exit(ARRAYS_EXIT_CODE)
  })

  port.on('message', (m: ToFraming) => {
    if (m.op === 'load') ready = load(m.id, m.path, m.source)
    else
      ready = ready
        .then(() => {
          calling = m.id
          const got = call(m)
          // The script's part is over: the look at its arrays (a garbage collection when they
          // seem past the limit) does not count against its budget.
          Atomics.store(counter, RETURNED, m.id)
          if (!arraysPastLimit()) answer(got)
          calling = 0
        })
        .catch(() => undefined)
  })
}
