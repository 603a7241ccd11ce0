// What the proxy hands a user's script and gets back (issue 44), and the messages between
// the script host and its worker thread. Bytes are Uint8Array on both sides, so they cross
// the thread boundary by transfer, never as JSON.

/** A header list in wire order: names as sent, repeats kept. */
export type ScriptHeaders = [string, string][]

export interface ScriptRequest {
  method: string
  url: string
  path: string
  headers: ScriptHeaders
  body: Uint8Array
  connId: number
}

export interface ScriptResponse {
  status: number
  reason?: string
  headers: ScriptHeaders
  body: Uint8Array
}

export interface ScriptMessage {
  protocol: string
  dir: 'client' | 'server'
  summary: string
  fields?: unknown
  bytes: Uint8Array
  connId: number
}

export interface ScriptConnection {
  id: number
  client: string
  target: string
}

export type ScriptAction = 'drop' | 'close' | 'reset' | 'fail'

export interface HookOutcome<T> {
  /** what to send on: the (possibly changed) value; undefined when unchanged */
  changed?: T
  respond?: ScriptResponse
  action?: ScriptAction
  delayMs?: number
  /** the hook threw, timed out or the worker died: the traffic passes unchanged (unless action 'fail') */
  error?: string
}

export type HookName = 'onRequest' | 'onResponse' | 'onMessage' | 'onConnect' | 'onClose'

export const HOOK_NAMES: readonly HookName[] = ['onRequest', 'onResponse', 'onMessage', 'onConnect', 'onClose']

export interface ScriptHostOptions {
  /** how long one call may take before the script is stopped and restarted (default 3000) */
  timeoutMs?: number
  /** the worker's old-generation heap limit (default 128) */
  memoryMb?: number
  /** one line per distinct problem: a hook's error, a restart, a bad edit */
  report?: (line: string) => void
  /** reload when the file is saved (default true) */
  watch?: boolean
  /** the built worker (script-worker.cjs); found beside the engine's bundle when not given */
  workerFile?: string
}

export interface ScriptStatus {
  path: string
  loadedAt: number
  hooks: HookName[]
  lastError?: string
  restarts: number
  calls: number
  errors: number
}

/** A request or response without what the host keeps to itself (the connection id). */
export type RequestFields = Omit<ScriptRequest, 'connId'>

/** What a hook is called with, by hook. */
export type HookArgs =
  | { hook: 'onRequest'; req: RequestFields }
  | { hook: 'onResponse'; res: ScriptResponse; req: RequestFields }
  | { hook: 'onMessage'; msg: Omit<ScriptMessage, 'connId'> }
  | { hook: 'onConnect' | 'onClose'; conn: ScriptConnection }

/** A hook's outcome as the worker sends it: only the fields that changed. */
export interface WorkerOutcome {
  changed?: Partial<RequestFields & ScriptResponse & Pick<ScriptMessage, 'bytes'>>
  respond?: ScriptResponse
  action?: ScriptAction
  delayMs?: number
  error?: string
}

/** What a rules script's thread is started with (script-thread.ts). */
export interface HooksWorkerData {
  /** script-signals.ts: the heartbeat and the calls claimed */
  signals: SharedArrayBuffer
  /** The thread's memory limit, which its byte arrays are held to as well (script-memory.ts). */
  memoryMb: number
  /** zlib-guard.ts: the thread ends where it cannot be making a zlib handle. */
  zlibGuard: SharedArrayBuffer
}

export type ToWorker = { type: 'load'; id: number; path: string; source: string } | { type: 'call'; id: number; args: HookArgs }

export type FromWorker =
  | { type: 'loaded'; id: number; hooks: HookName[] }
  | { type: 'load-failed'; id: number; message: string }
  | { type: 'result'; id: number; outcome: WorkerOutcome }
  | { type: 'report'; line: string }
