// Writing to stdout/stderr with backpressure, and without dying when the reader goes away
// (`tcpscope export ... | head`).

import type { Writable } from 'node:stream'

export interface Io {
  out: Writable
  err: Writable
}

export const processIo = (): Io => ({ out: process.stdout, err: process.stderr })

let closedReader = false
/** True once stdout's reader has gone away (EPIPE): stop producing output. */
export const outputClosed = (): boolean => closedReader

export function watchOutput(out: Writable): void {
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closedReader = true
    else throw err
  })
}

/** Writes and, when the stream is full, waits for it to drain (or close); leaves no listener behind. */
export async function writeAll(out: Writable, chunk: string | Uint8Array): Promise<void> {
  if (closedReader) return
  if (out.write(chunk)) return
  await new Promise<void>((resolve) => {
    const done = (): void => {
      out.off('drain', done)
      out.off('close', done)
      resolve()
    }
    out.on('drain', done)
    out.on('close', done)
  })
}

export function line(out: Writable, text: string): void {
  if (!closedReader) out.write(text + '\n')
}
