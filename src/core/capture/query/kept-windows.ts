// Windows of a capture file read once and kept in memory for decodeRecords
// (CaptureQueries): a live run's recent bytes, or a file's run's window and the next read
// ahead. The many connections a run decodes take their records from a window instead of
// each reading a span of the file that holds every other connection's records too.

/** A window of the file kept (keepWindow): `buf` once read. */
interface KeptWindow {
  start: number
  end: number
  read: Promise<Buffer>
  buf?: Buffer
}

/** A kept window whose bytes are at hand. */
export type ReadWindow = KeptWindow & { buf: Buffer }

export class KeptWindows {
  private windows: KeptWindow[] = []

  constructor(
    /** Reads the file's [start, end) (O_DIRECT where it can). */
    private readonly readWindow: (start: number, end: number) => Promise<Buffer>,
    /** Where the file's records end (a stored index, which no decoder reads, may follow them). */
    private readonly recordsEnd: () => number
  ) {}

  /**
   * Reads the file's [start, end) once and keeps it for decodeRecords until the next call:
   * live decoding reads what was written since it last looked in one read, and the many
   * connections it decodes then take their records from it, instead of each reading a span
   * that holds every other connection's records too (20 interleaved connections read 20
   * times what was written).
   *
   * With `ahead`, [end, ahead) is read in the background for the next call, so a file's
   * decoding does not wait for each window's read in turn (a file's 100,000 exchanges
   * decoded cold in 1.24-1.59 s with the next 16 MiB read ahead, 1.51-1.89 s without: four
   * runs each, in turns).
   */
  async keepRecent(start: number, end: number, ahead = end): Promise<void> {
    // Every window kept goes but this one, should it have been read ahead.
    this.windows = this.windows.filter((w) => w.start === start && w.end === Math.min(end, this.recordsEnd()))
    const read = this.keepWindow(start, end)
    // Not awaited, and never rejects: a read that fails leaves no window (keepWindow).
    if (ahead > end) void this.keepWindow(end, ahead)
    await read
  }

  /**
   * Reads the file's [start, end) and keeps it beside the windows kept already, until
   * drop: a file's decoding goes on into the next window with the connections done with
   * the last one while the others still are (capture-decoding.ts). A window read already
   * (or being read) is not read again; a read that fails leaves no window, and its records
   * are read from the file as they are asked for.
   */
  async keepWindow(start: number, end: number): Promise<void> {
    // Past the records (a file's stored index) there is nothing to decode.
    end = Math.min(end, this.recordsEnd())
    if (end <= start) return
    let w = this.windows.find((k) => k.start === start && k.end === end)
    if (!w) {
      const made: KeptWindow = { start, end, read: this.readWindow(start, end) }
      made.read.then(
        (buf) => (made.buf = buf),
        () => (this.windows = this.windows.filter((k) => k !== made))
      )
      this.windows.push(made)
      w = made
    }
    await w.read.then(
      () => undefined,
      () => undefined
    )
  }

  /** Forgets the windows that end at or before `upTo`. */
  drop(upTo: number): void {
    this.windows = this.windows.filter((w) => w.end > upTo)
  }

  /** The window kept, read, that holds file offset `at`. */
  windowAt(at: number): ReadWindow | undefined {
    for (const w of this.windows) if (w.buf && at >= w.start && at < w.start + w.buf.length) return w as ReadWindow
    return undefined
  }

  /**
   * The file's [start, end) from `w`, the window holding `start`: a buffer that holds it, and
   * the file offset of that buffer's first byte (the window's own buffer, not a piece of it
   * made for each read: there is a read a record when connections interleave).
   */
  holding(w: ReadWindow | undefined, start: number, end: number): { buf: Buffer; base: number } | undefined {
    if (!w) return undefined
    const wEnd = w.start + w.buf.length
    if (end <= wEnd) return { buf: w.buf, base: w.start }
    // A record that runs on into the next window kept (windows end anywhere in a record) is put together from both.
    const rest = this.windows.find((k) => k.buf && k.start === wEnd && end <= k.start + k.buf.length)
    return rest?.buf ? { buf: Buffer.concat([w.buf.subarray(start - w.start), rest.buf.subarray(0, end - rest.start)]), base: start } : undefined
  }
}
