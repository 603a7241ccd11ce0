// A forwarding worker's thread (built as proxy-worker.cjs / proxy-worker.js beside the
// engine; worker-pool.ts starts it). It runs the same Proxy as the main thread, on the same
// port (SO_REUSEPORT), so the kernel spreads new connections over the threads; its records
// go to the main thread's LiveCapture through a BatchRecorder.

import { parentPort, workerData } from 'node:worker_threads'
import { downToxic, toxicPair } from '../../fault/toxic-connection'
import { ToxicRegistry } from '../../fault/toxic-registry'
import { FdBudget } from '../../net/fd-budget'
import { CaService, type CaSource } from '../../tls/ca-commands'
import { Proxy } from '../proxy'
import { targetProxyOptions } from '../target-proxy-options'
import { BatchRecorder } from './batch-recorder'
import type { FromWorker, ToWorker, WorkerStart } from './worker-messages'

const start = workerData as WorkerStart
const port = parentPort!
const post = (msg: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer)

const recorder = new BatchRecorder(start.ids, start.monoOrigin, start.held, post)
let proxy: Proxy | undefined
/**
 * The proxy's toxics, mirrored from the main thread's. Those that pick connections by the
 * list's filter need the capture's index: while one is there the main thread keeps its
 * workers from accepting (proxy-commands.ts), so nothing here ever asks `picks`.
 */
const toxics = new ToxicRegistry(start.proxyId)
toxics.mirror(start.toxics)
let hadToxics = toxics.size > 0
toxics.watch(() => {
  // A proxy's first rule gives its open connections their stages (proxy-stages.ts does the same).
  if (toxics.size > 0 && !hadToxics) proxy?.attachStages()
  hadToxics = toxics.size > 0
})
/** Listening is wanted by the main thread (its proxy runs and has no rule only it can run). */
let wanted = start.accepting
let listening = true
/** One change of listening at a time: a stop waits for the restart before it. */
let changing: Promise<void> = Promise.resolve()

async function run(): Promise<void> {
  const service = new CaService(start.dataDir)
  // The main thread's leaf and ticket keys: the same leaves on every thread, and sessions resumed on any.
  const ca: CaSource = async () => {
    const authority = await service.ca()
    if (start.leafKeys !== undefined) authority.adopt(start.leafKeys)
    return authority
  }
  const where = await targetProxyOptions(start.args, ca)
  const budget = FdBudget.forProcess()
  proxy = await Proxy.start(
    {
      id: start.proxyId,
      ...where,
      reusePort: true,
      stages: (connId) => (toxics.size === 0 ? undefined : toxicPair(toxics, connId, () => true)),
      refusal: () => downToxic(toxics)
    },
    {
      capture: recorder,
      budget,
      hold: recorder.hold,
      fdExhausted: () => post({ type: 'warn', message: `proxy ${start.proxyId}: worker ${start.index} is out of file descriptors and turned clients away` }),
      warn: (message) => post({ type: 'warn', message })
    }
  )
  if (!wanted) await setListening(false)
  post({ type: 'listening' })
}

async function setListening(on: boolean): Promise<void> {
  if (proxy === undefined || on === listening) return
  listening = on
  if (on) await proxy.restart()
  else await proxy.stop(false)
}

function order(msg: ToWorker): void {
  if (msg.type === 'hold') return recorder.setMainHeld(msg.held)
  if (msg.type === 'ack') return recorder.acked(msg.bytes)
  if (msg.type === 'toxics') return toxics.mirror(msg.toxics)
  if (msg.type === 'accepting') {
    wanted = msg.on
    changing = changing
      .then(async () => {
        await setListening(wanted)
        post({ type: 'accepting', on: listening })
      })
      .catch((err: unknown) => post({ type: 'warn', message: `proxy ${start.proxyId}: worker ${start.index} cannot listen again: ${(err as Error).message}` }))
    return
  }
  wanted = false
  changing = changing
    .then(async () => {
      if (proxy !== undefined) {
        listening = false
        await proxy.stop(msg.close)
      }
    })
    .catch(() => undefined)
    .finally(() => {
      // Every record of the closed connections goes before the answer.
      recorder.flush()
      post({ type: 'stopped' })
    })
}

port.on('message', order)
run().catch((err: unknown) => post({ type: 'failed', message: (err as Error).message }))
