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

/**
 * Output written a large batch at a time: one write per line costs more than the rest of ls,
 * and so does awaiting per line; only a full batch waits for the output (its backpressure).
 */
export class OutputBatches {
  private parts: string[] = []
  private size = 0
  constructor(private readonly out: Writable) {}
  /** Adds text as it is; whether the batch is full: then flush() before adding more. */
  add(text: string): boolean {
    this.parts.push(text)
    this.size += text.length
    return this.size >= 256 * 1024
  }
  /** Adds a line (its newline added). */
  line(text: string): boolean {
    return this.add(text + '\n')
  }
  /** Adds text, and waits for the output when that fills the batch. */
  async put(text: string): Promise<void> {
    if (this.add(text)) await this.flush()
  }
  /** Where the batch is now: what is added after it, if not flushed yet, dropTo() takes back. */
  mark(): number {
    return this.parts.length
  }
  /** Takes back what was added since `mark` (a line half made when its making failed). */
  dropTo(mark: number): void {
    for (const p of this.parts.splice(mark)) this.size -= p.length
  }
  async flush(): Promise<void> {
    if (this.parts.length) await writeAll(this.out, this.parts.join(''))
    this.parts = []
    this.size = 0
  }
}
