// What crosses between the main thread's WorkerPool (worker-pool.ts) and a forwarding
// worker (proxy-worker.ts): the worker's records in batches, one moved buffer of bytes each,
// and the main thread's orders. Plain data, cloned or moved by postMessage.

import type { CaptureEventKind, Direction } from '../../../shared/capture-types'
import type { Toxic } from '../../../shared/fault-types'
import type { ProxyStartArgs } from '../../../shared/proxy-args'
import type { OpenInfo } from '../../capture/format/record-payloads'
import type { SharedLeafKeys } from '../../tls/certificate-authority'

/** One record of a worker's connection, in the order the worker made it. */
export type RecordOp =
  | { op: 'open'; id: number; time: number; mono: number; open: OpenInfo }
  | { op: 'data'; id: number; seq: number; dir: Direction; length: number; time: number; mono: number }
  | { op: 'event'; id: number; seq: number; kind: Exclude<CaptureEventKind, 'data'>; dir?: Direction; info?: Record<string, unknown>; time: number; mono: number }

/** What a worker is started with (workerData). */
export interface WorkerStart {
  /** Its number among the proxy's threads (the main thread is 0). */
  index: number
  proxyId: string
  /** proxy.start's arguments, `listen` the port the main thread really took. */
  args: ProxyStartArgs
  /** The LiveCapture's id counter (live-capture.ts idCounter). */
  ids: SharedArrayBuffer
  /** The capture's monotonic clock starts here, as an absolute performance time (timeOrigin + now). */
  monoOrigin: number
  /** Where tcpscope's CA lives, for `--tls-listen`'s leaves. */
  dataDir: string
  /** The main thread's leaf and ticket keys (`--tls-listen` with the CA): the same leaves, and sessions resumed on any thread. */
  leafKeys?: SharedLeafKeys
  /** Whether the capture writer holds its producers now. */
  held: boolean
  /** The proxy's toxics as they are now (kept current with `toxics` orders). */
  toxics: Toxic[]
  /** Whether the worker starts accepting (false while its proxy has rules only the main thread runs). */
  accepting: boolean
}

export type ToWorker =
  | { type: 'hold'; held: boolean }
  /** The main thread applied a batch: its bytes no longer count against the worker's bound. */
  | { type: 'ack'; bytes: number }
  | { type: 'accepting'; on: boolean }
  /** The proxy's toxics changed: the worker's copy becomes this. */
  | { type: 'toxics'; toxics: Toxic[] }
  /** Stop listening and, with `close`, close every connection; answered with `stopped` after their last batch. */
  | { type: 'stop'; close: boolean }

export type FromWorker =
  | { type: 'listening' }
  /** The worker's listener is open (or closed) now, as the last `accepting` order asked. */
  | { type: 'accepting'; on: boolean }
  | { type: 'failed'; message: string }
  | { type: 'batch'; ops: RecordOp[]; bytes: ArrayBuffer }
  | { type: 'warn'; message: string }
  | { type: 'stopped' }
