// Where a `.ksy` is compiled: in the Kaitai Struct compiler's own process
// (ksy-compiler-child.ts, built beside the engine as ksy-compiler.cjs / .js) — the compiler
// is GPL-3.0, and tcpscope talks to it as a separate program over IPC. The process is
// started on the first compile and kept (unreferenced: it never keeps tcpscope running);
// one that dies is started again on the next. Run from source (tests) there is no built
// child: the compiler is imported in this process then, as a development convenience.

import { fork, type ChildProcess } from 'node:child_process'
import { builtWorkerFile } from '../built-worker'
import type { CompilerReply, CompilerRequest } from './ksy-compiler-messages'

export interface KsyImporter {
  importYaml(name: string, mode: string): Promise<unknown>
}

/** A compile that takes longer has hung (a pathological `.ksy`): it fails, and the process is started again. */
const COMPILE_TIMEOUT_MS = 30_000

/** The compiler's refusal: its text, and the class of its throwable where it had one (TypeUndecidedError). */
export class CompilerError extends Error {
  constructor(
    message: string,
    readonly kind?: string
  ) {
    super(message)
  }
}

type Pending = { importer: KsyImporter; resolve: (files: Record<string, string>) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }

let child: ChildProcess | undefined
const pending = new Map<number, Pending>()
let nextId = 0

function started(file: string): ChildProcess {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) return child
  const c = fork(file, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'advanced' })
  c.on('message', (m: CompilerReply) => onReply(c, m))
  c.on('exit', () => {
    if (child === c) child = undefined
    for (const [id, p] of pending) {
      clearTimeout(p.timer)
      pending.delete(id)
      p.reject(new Error('the Kaitai Struct compiler stopped'))
    }
  })
  // A child that could not start (no 'exit' follows): its compiles fail with why, at once.
  c.on('error', (err) => {
    if (child === c) child = undefined
    for (const [id, p] of pending) {
      clearTimeout(p.timer)
      pending.delete(id)
      p.reject(new Error(`the Kaitai Struct compiler could not run: ${err.message}`))
    }
  })
  child = c
  return c
}

function onReply(c: ChildProcess, m: CompilerReply): void {
  const p = pending.get(m.id)
  if (p === undefined) return
  if (m.kind === 'import') {
    const answer = (r: CompilerRequest): void => void c.send(r)
    p.importer.importYaml(m.name, m.mode).then(
      (value) => answer({ kind: 'imported', importId: m.importId, value }),
      (err: unknown) => answer({ kind: 'imported', importId: m.importId, error: err instanceof Error ? err.message : String(err) })
    )
    return
  }
  clearTimeout(p.timer)
  pending.delete(m.id)
  idle(c)
  if (m.kind === 'compiled') p.resolve(m.files)
  else p.reject(new CompilerError(m.error.message, m.error.kind))
}

/** With nothing pending the child and its channel keep nothing running. */
function idle(c: ChildProcess): void {
  if (pending.size > 0) return
  c.unref()
  c.channel?.unref()
}

/** Compiles a parsed `.ksy` to JavaScript in debug mode; the importer reads the files it imports. */
export async function compileKsy(yaml: unknown, importer: KsyImporter): Promise<Record<string, string>> {
  const file = builtWorkerFile('ksy-compiler')
  if (file === undefined) {
    // The engine's bundles leave it out (external): it is read from node_modules here, in development only.
    const m = await import('kaitai-struct-compiler')
    // Its CommonJS export may come as the default or as the module itself.
    const compiler = (m.default ?? m) as typeof m.default
    return compiler.compile('javascript', yaml, importer, true)
  }
  const c = started(file)
  c.ref()
  c.channel?.ref()
  const id = nextId++
  return new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id)
      reject(new Error(`the Kaitai Struct compiler took more than ${COMPILE_TIMEOUT_MS / 1000} s`))
      // The next compile starts a new one, not this dying one.
      if (child === c) child = undefined
      c.kill()
    }, COMPILE_TIMEOUT_MS)
    pending.set(id, { importer, resolve, reject, timer })
    const request: CompilerRequest = { kind: 'compile', id, yaml }
    c.send(request)
  })
}
