// Where an export's bytes go, in order: a file being written, standard output, a temporary
// file kept as a download. Exporters write through it piece by piece and never hold a
// whole export; `write` resolves when the bytes were taken, so a slow output slows the
// export instead of piling up in memory.

export interface ExportSink {
  write(bytes: Uint8Array): Promise<void>
}

/** Collects small pieces into writes of about this many bytes. */
const BATCH_BYTES = 1024 * 1024

/** Small pieces (packets, JSON fragments) gathered into fewer, larger writes. */
export class BatchedSink implements ExportSink {
  private pieces: Uint8Array[] = []
  private held = 0
  /** Bytes handed on so far. */
  written = 0

  constructor(private readonly out: ExportSink) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.pieces.push(bytes)
    this.held += bytes.length
    if (this.held >= BATCH_BYTES) await this.flush()
  }

  async text(s: string): Promise<void> {
    await this.write(Buffer.from(s, 'utf8'))
  }

  async flush(): Promise<void> {
    if (this.held === 0) return
    const all = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces, this.held)
    this.pieces = []
    this.written += this.held
    this.held = 0
    await this.out.write(all)
  }
}

/** Writes at increasing positions of an open file. */
export function fileSink(file: { write(b: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }> }): ExportSink {
  let at = 0
  return {
    async write(bytes) {
      for (let done = 0; done < bytes.length; ) {
        const { bytesWritten } = await file.write(bytes, done, bytes.length - done, at + done)
        done += bytesWritten
      }
      at += bytes.length
    }
  }
}
