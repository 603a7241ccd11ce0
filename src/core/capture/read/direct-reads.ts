// Large reads of a capture file that bypass the page cache (O_DIRECT, Linux), for the
// windows a file's decoding reads from start to end. The proxy writes its captures with
// O_DIRECT (write/direct-writer.ts), so a file just recorded is not in the page cache and
// its first decoding reads it from the disk; read through the page cache, the kernel then
// copies every byte from pages it has just filled. Measured here on a 126 MiB file of
// 100,000 exchanges, dropped from the cache first: the read threads took 220-350 ms of CPU
// (almost all of it in that copy) against 20-40 ms with O_DIRECT, and the file decoded at
// the pace it does when cached. A window read this way also leaves the page cache alone.
//
// O_DIRECT wants the memory, the file offset and the length aligned to the device's block.
// Offsets and lengths are rounded out to BLOCK; memory alignment is found by trying (as the
// writer does, JavaScript cannot see an address): a read from a misaligned offset into the
// buffer is refused with EINVAL before any I/O (some file systems, btrfs and tmpfs, serve it
// through the page cache instead: right, if not direct). Where O_DIRECT is not to be had (not
// Linux, a file system that refuses it or fails its reads), reads go through the page cache.

import { closeSync, constants, open, read } from 'node:fs'
import { readStats } from './read-stats'

const BLOCK = 4096
/** The offsets into a buffer worth trying, as the writer's probe (direct-writer.ts) steps. */
const STEP = 8

const openFile = (path: string, flags: number): Promise<number> =>
  new Promise((resolve, reject) => open(path, flags, (err, fd) => (err ? reject(err) : resolve(fd))))

/** A read's outcome: bytes read, or the error's code (EINVAL: misaligned). */
const readAt = (fd: number, buf: Buffer, off: number, length: number, position: number): Promise<number | NodeJS.ErrnoException> =>
  new Promise((resolve) => read(fd, buf, off, length, position, (err, n) => resolve(err ?? n)))

function counted(n: number): void {
  readStats.bytes += n
  readStats.direct += n
}

export class DirectReads {
  /** The last offset into a buffer that was aligned: buffers of one size class mostly share it. */
  private hint = 0
  private refused = false
  private closed = false

  private constructor(private readonly fd: number) {}

  /**
   * A second descriptor on the file `fd` has open, with O_DIRECT: opened through
   * /proc/self/fd, so it is the same file whatever has happened to its path since.
   * Undefined where O_DIRECT is not to be had.
   */
  static async open(fd: number): Promise<DirectReads | undefined> {
    if (process.platform !== 'linux' || typeof constants.O_DIRECT !== 'number') return undefined
    try {
      return new DirectReads(await openFile(`/proc/self/fd/${fd}`, constants.O_RDONLY | constants.O_DIRECT))
    } catch {
      // Some file systems refuse O_DIRECT at open; no /proc: the page cache it is.
      return undefined
    }
  }

  /**
   * The file's [start, end), or undefined when it is not had whole this way: this file's
   * O_DIRECT reads are refused or fail (after which none is tried again: the page cache serves
   * the file), the reads came short of `end` (the file ends before it, or a file system
   * answered short), or the reader was closed meanwhile. The caller then reads through the
   * page cache, which says what a short file or a failing disk means. Never rejects.
   */
  async read(start: number, end: number): Promise<Buffer | undefined> {
    if (this.refused) return undefined
    const from = start - (start % BLOCK)
    const length = Math.ceil((end - from) / BLOCK) * BLOCK
    const arena = Buffer.allocUnsafeSlow(length + BLOCK)
    // The first read is also the alignment's probe: tried at the hint, then at every offset.
    // After each wait the reader may have been closed, and its descriptor's number given to
    // another file: nothing more is read from it then.
    let off = this.hint
    let got = await readAt(this.fd, arena, off, length, from)
    for (let o = 0; o < BLOCK && !this.closed && got instanceof Error && got.code === 'EINVAL'; o += STEP) {
      if (o === this.hint) continue
      off = o
      got = await readAt(this.fd, arena, off, length, from)
    }
    if (this.closed) return undefined
    if (got instanceof Error) {
      this.refused = true
      return undefined
    }
    this.hint = off
    let done = got
    counted(got)
    // Short after a whole number of blocks: carry on from there (a read that ends inside a
    // block is the file's end; the next would be misaligned).
    while (got > 0 && done < length && done % BLOCK === 0) {
      const more = await readAt(this.fd, arena, off + done, length - done, from + done)
      if (this.closed) return undefined
      if (more instanceof Error) {
        this.refused = true
        return undefined
      }
      got = more
      done += got
      counted(got)
    }
    if (from + done < end) return undefined
    return arena.subarray(off + start - from, off + end - from)
  }

  /** Closes its descriptor, once; a read after it is refused (the caller reads as before). */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.refused = true
    closeSync(this.fd)
  }
}
