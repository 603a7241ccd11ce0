// The worker thread a user's script runs in (built as out/cli/script-worker.cjs). Started
// in framing mode it serves a `script:` framing instead (framing-worker.ts). It loads
// the script once, then runs hook calls as they come, several at a time when hooks await,
// and answers each by its id. A hook's error becomes its call's outcome; an error thrown
// outside any hook (a timer's callback) is reported and the thread goes on. What only the
// host can do, it does: stop a hook that never returns, or a heap that grows without end.

import { basename } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { connectionApi, HookContext, requestView, scriptResponse, ScriptMessageApi, ScriptRequestApi, ScriptResponseApi } from './script-api'
import { describeThrown, importScript, ScriptLoadError, whereIn } from './script-load'
import { ARRAYS_EXIT_CODE, watchArrays } from './script-memory'
import { BEAT_MS, beat, claimUpTo, createSignals } from './script-signals'
import { serveFraming } from '../../script-framing/framing-worker'
import { guardZlib } from './zlib-guard'
import type { FramingWorkerData } from '../../script-framing/framing-messages'
import { HOOK_NAMES, type FromWorker, type HookArgs, type HookName, type HooksWorkerData, type ToWorker, type WorkerOutcome } from './script-types'

type Hook = (...args: unknown[]) => unknown

let scriptPath = ''
let hooks: Partial<Record<HookName, Hook>> = {}
/** ctx.state: one object for every call, for as long as this thread lives. */
const state: Record<string, unknown> = {}
/** Whether the thread's arrays passed its memory limit (it is ending): looked at after each hook. */
let arraysPastLimit = (): boolean => false

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(message, transfer)
}

async function load(id: number, path: string, source: string): Promise<void> {
  try {
    const exports = await importScript(path, source)
    scriptPath = path
    hooks = Object.fromEntries(HOOK_NAMES.filter((name) => typeof exports[name] === 'function').map((name) => [name, exports[name] as Hook]))
    post({ type: 'loaded', id, hooks: HOOK_NAMES.filter((name) => hooks[name]) })
  } catch (err) {
    post({ type: 'load-failed', id, message: err instanceof ScriptLoadError ? err.message : `${path}: ${describeThrown(err)}` })
  }
}

async function call(id: number, args: HookArgs): Promise<void> {
  try {
    const outcome = await runHook(args)
    if (arraysPastLimit()) return
    post(...transferable(outcome, id))
  } catch (err) {
    post({ type: 'result', id, outcome: { error: `${args.hook}'s outcome could not be sent: ${describeThrown(err)}` } })
  }
}

function transferable(outcome: WorkerOutcome, id: number): [FromWorker, ArrayBuffer[]] {
  // Fresh copies are handed over, not the script's own arrays: a script that kept one (in
  // ctx.state, say) would otherwise find it emptied by the transfer.
  const transfer: ArrayBuffer[] = []
  const own = (bytes: Uint8Array | undefined): Uint8Array | undefined => {
    if (bytes === undefined) return undefined
    const copy = new Uint8Array(bytes)
    transfer.push(copy.buffer)
    return copy
  }
  if (outcome.changed?.body) outcome.changed.body = own(outcome.changed.body)
  if (outcome.changed?.bytes) outcome.changed.bytes = own(outcome.changed.bytes)
  if (outcome.respond) outcome.respond.body = own(outcome.respond.body) ?? new Uint8Array(0)
  return [{ type: 'result', id, outcome }, transfer]
}

async function runHook(args: HookArgs): Promise<WorkerOutcome> {
  const hook = hooks[args.hook]
  const ctx = new HookContext(state, args.hook === 'onRequest')
  if (!hook) return {}
  try {
    switch (args.hook) {
      case 'onRequest': {
        const req = new ScriptRequestApi(args.req)
        const returned = await hook(req, ctx)
        // An object returned from onRequest is an answer; the request itself is not.
        if (typeof returned === 'object' && returned !== null && returned !== req && ('status' in returned || 'body' in returned)) ctx.respondWith = scriptResponse(returned)
        return outcome(ctx, req.changed())
      }
      case 'onResponse': {
        const res = new ScriptResponseApi(args.res)
        await hook(res, requestView(args.req), ctx)
        return outcome(ctx, res.changed())
      }
      case 'onMessage': {
        const msg = new ScriptMessageApi(args.msg)
        await hook(msg, ctx)
        const bytes = msg.changed()
        return outcome(ctx, bytes ? { bytes } : undefined)
      }
      case 'onConnect':
      case 'onClose':
        await hook(connectionApi(args.conn), ctx)
        return outcome(ctx, undefined)
    }
  } catch (err) {
    return { error: `${args.hook} threw: ${describeThrown(err)} (${whereIn(err, scriptPath)})`, ...(ctx.action === 'fail' ? { action: 'fail' } : {}) }
  }
}

function outcome(ctx: HookContext, changed: WorkerOutcome['changed']): WorkerOutcome {
  return {
    ...(changed ? { changed } : {}),
    ...(ctx.respondWith ? { respond: ctx.respondWith } : {}),
    ...(ctx.action ? { action: ctx.action } : {}),
    ...(ctx.delayMs > 0 ? { delayMs: ctx.delayMs } : {})
  }
}

/** A rules script's thread: hook calls as they come, a heartbeat for the host to tell a busy script by. */
function serveHooks({ signals: signalBuffer, memoryMb }: HooksWorkerData): void {
  const signals = createSignals(signalBuffer)
  // Past its memory, the thread ends: its host answers the calls in flight, as for a heap that ran out.
  arraysPastLimit = watchArrays(memoryMb, () => process.exit(ARRAYS_EXIT_CODE))

  // The heartbeat: it stops while a hook (or any of the script's code) holds the event loop,
  // which is how the host tells a busy script from one that awaits. It alone keeps no thread alive.
  setInterval(() => beat(signals), BEAT_MS).unref()

  /**
   * Neither handler rejects: each answers its message, whatever the script did. A message the
   * host claimed first it has answered itself (as skipped, while a hook spun): it is not run.
   */
  parentPort?.on('message', (message: ToWorker) => {
    if (claimUpTo(signals, message.id) === undefined) return
    if (message.type === 'load') void load(message.id, message.path, message.source)
    else void call(message.id, message.args)
  })

  // A script's timer or promise that fails outside any hook: one line, and the thread goes on
  // (left alone, Node would end the thread and every call in flight with it).
  const outsideHook = (err: unknown): void => {
    post({ type: 'report', line: `${basename(scriptPath) || 'the script'} threw outside a hook: ${describeThrown(err)} (${whereIn(err, scriptPath)})` })
  }
  process.on('uncaughtException', outsideHook)
  process.on('unhandledRejection', outsideHook)
}

// The same worker runs a `script:` framing's frame() and describe() (framing-worker.ts), started in that mode.
const data = workerData as HooksWorkerData | FramingWorkerData
// Before any script is loaded: it may make zlib handles, and its thread may be ended at any moment.
guardZlib(data.zlibGuard)
if ('mode' in data && data.mode === 'framing') serveFraming(data.port, data.answers, data.memoryMb)
else serveHooks(data as HooksWorkerData)
