// Who owns a capture file while it is written. The writer listens on a local socket named
// after the file's device and inode; a second writer cannot take the name, and a reader
// that connects to it learns that the file is live (and, once the writer has flushed,
// how far it may read). The kernel frees the name when the process dies, even by
// SIGKILL, so a crashed writer leaves no stale lock: on Linux the name lives in the
// abstract socket namespace and on Windows it is a named pipe; elsewhere it is a socket
// file in the temporary folder, taken over when nothing answers on it.

import { unlinkSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type LockNamespace = 'abstract' | 'pipe' | 'file'

export const defaultNamespace = (): LockNamespace =>
  process.platform === 'linux' ? 'abstract' : process.platform === 'win32' ? 'pipe' : 'file'

/** What a file is, independent of the path it was opened by. */
export interface FileIdentity {
  dev: number | bigint
  ino: number | bigint
}

export function lockAddress(id: FileIdentity, ns: LockNamespace = defaultNamespace()): string {
  const name = `tcpscope-capture-${id.dev}-${id.ino}`
  if (ns === 'abstract') return `\0${name}`
  if (ns === 'pipe') return `\\\\?\\pipe\\${name}`
  return join(tmpdir(), `${name}.lock`)
}

/** What the writer tells a reader that connects. */
export interface WriterStatus {
  pid: number
  /** The file holds every record up to this offset (a record boundary). */
  written: number
}

/** A reader waits this long for the writer's answer before treating the file as live but silent. */
const PROBE_TIMEOUT_MS = 2000
/** The writer waits at most this long for its flush before answering with what it has. */
const FLUSH_TIMEOUT_MS = 1000

export class CaptureLockedError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number | undefined
  ) {
    super(`${path} is being written by another tcpscope${pid !== undefined ? ` (pid ${pid})` : ''}; stop it first, or record to another file`)
  }
}

export interface CaptureLock {
  release(): Promise<void>
}

function listen(server: Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ path: address }, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/**
 * Takes the lock of the file `id` (opened as `path`). `status` answers readers: it should
 * flush first, so a reader sees everything recorded up to the moment it asked.
 */
export async function lockCapture(
  path: string,
  id: FileIdentity,
  status: () => Promise<WriterStatus>,
  ns: LockNamespace = defaultNamespace()
): Promise<CaptureLock> {
  const address = lockAddress(id, ns)
  const readers = new Set<Socket>()
  const server = createServer((socket) => {
    readers.add(socket)
    socket.once('close', () => readers.delete(socket))
    answer(socket, status)
  })
  try {
    await listen(server, address)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
    const owner = await probeAddress(address)
    if (owner !== undefined || ns !== 'file') throw new CaptureLockedError(path, owner?.pid)
    // A socket file whose owner died: nobody answers, so it is ours to take.
    unlinkSync(address)
    await listen(server, address)
  }
  // The lock must not keep a process alive that has nothing else to do.
  server.unref()
  return {
    // A reader still connected would hold close() up, and (unref'd) let the process end in
    // the middle of the capture's completion: it is cut off, and the server kept alive until closed.
    release: () =>
      new Promise<void>((resolve) => {
        server.ref()
        server.close(() => resolve())
        for (const socket of readers) socket.destroy()
      })
  }
}

function answer(socket: Socket, status: () => Promise<WriterStatus>): void {
  socket.unref()
  socket.on('error', () => {})
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), FLUSH_TIMEOUT_MS)
    timer.unref()
  })
  Promise.race([status(), timeout])
    .then((s) => socket.end(JSON.stringify(s ?? { pid: process.pid }) + '\n'))
    .catch(() => socket.end(JSON.stringify({ pid: process.pid }) + '\n'))
    .finally(() => clearTimeout(timer))
}

/**
 * Asks the writer of a file, if there is one. Undefined: no process holds the lock. A
 * writer that holds it but does not answer in time (stopped, busy) is still a writer.
 */
export async function probeWriter(id: FileIdentity, ns: LockNamespace = defaultNamespace()): Promise<Partial<WriterStatus> | undefined> {
  return probeAddress(lockAddress(id, ns))
}

function probeAddress(address: string): Promise<Partial<WriterStatus> | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ path: address })
    let text = ''
    let connected = false
    const timer = setTimeout(() => finish(), PROBE_TIMEOUT_MS)
    const finish = (): void => {
      clearTimeout(timer)
      socket.destroy()
      if (!connected) return resolve(undefined)
      try {
        const s = JSON.parse(text) as Partial<WriterStatus>
        resolve({ pid: typeof s.pid === 'number' ? s.pid : undefined, written: typeof s.written === 'number' ? s.written : undefined })
      } catch {
        resolve({})
      }
    }
    socket.setEncoding('utf8')
    socket.on('connect', () => (connected = true))
    socket.on('data', (d: string) => (text += d))
    socket.on('end', finish)
    socket.on('error', finish)
  })
}
