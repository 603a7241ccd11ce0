// Exports read as they are made (capture.export.begin, read, end): the same bytes as the
// export written to a file, the writer held back while its reader is behind (memory stays
// bounded), and a stream that is ended, failed, idle or one too many says so in one line.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { ExportStream, ExportStreams } from '../../../src/core/export/export-streams'
import type { ExportSink } from '../../../src/core/export/export-sink'
import { Decoding } from '../../../src/core/decode/decoding'
import type { Engine } from '../../../src/core/engine'
import type { CommandArgs } from '../../../src/shared/contract'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'
import { connectTo, startServer } from '../../helpers/net'

const MiB = 1024 * 1024

type Job = Omit<CommandArgs<'capture.export.begin'>, 'capture'>

/** Reads a stream to its end, a piece of `length` at a time. */
async function readAll(engine: Engine, stream: string, length = MiB): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for (;;) {
    const piece = await engine['capture.export.read']({ stream, length })
    if (piece.length === 0) return Buffer.concat(parts)
    parts.push(piece)
  }
}

describe('an export read as it is made', () => {
  let te: TestEngine | undefined
  afterEach(async () => {
    vi.useRealTimers()
    await te?.dispose()
    te = undefined
  })

  /** A connection whose client sent `bytes` and whose server answered them back. */
  async function recorded(bytes: Buffer): Promise<{ t: TestEngine; connId: number }> {
    const t = (te = await testEngine())
    const server = await startServer((s) => s.pipe(s))
    try {
      const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
      const c = await connectTo(Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1)))
      c.resume()
      c.end(bytes)
      const [conn] = await closedConnections(t.engine, 1)
      return { t, connId: conn.id }
    } finally {
      await server.close()
    }
  }

  it('gives the bytes the same export writes to a file: raw, hex, jsonl and pcapng', async () => {
    const sent = Buffer.from(Array.from({ length: 3 * MiB + 5 }, (_, i) => (i * 31) % 256))
    const { t, connId } = await recorded(sent)
    const jobs: Job[] = [
      { format: 'raw', connIds: [connId], direction: 'client' },
      { format: 'hex', connIds: [connId], direction: 'server' },
      { format: 'jsonl', connIds: [connId] },
      { format: 'pcapng' }
    ]
    for (const [i, job] of jobs.entries()) {
      const path = join(t.dir, `out-${i}`)
      await t.engine['capture.export']({ capture: 'live', ...job, path })
      const { stream, name } = await t.engine['capture.export.begin']({ capture: 'live', ...job })
      expect(name).toMatch(new RegExp(`\\.(bin|txt|jsonl|pcapng)$`))
      expect((await readAll(t.engine, stream, 100_000)).equals(await readFile(path))).toBe(true)
      await t.engine['capture.export.end']({ stream })
    }
    const raw = await t.engine['capture.export.begin']({ capture: 'live', format: 'raw', connIds: [connId], direction: 'client' })
    expect((await readAll(t.engine, raw.stream)).equals(sent)).toBe(true)
  })

  it('refuses what the export cannot be: a missing direction, a direction for HAR, a connection it does not have', async () => {
    const { t, connId } = await recorded(Buffer.from('hello'))
    await expect(t.engine['capture.export.begin']({ capture: 'live', format: 'raw', connIds: [connId] })).rejects.toThrow("raw exports one direction's bytes: name the direction")
    await expect(t.engine['capture.export.begin']({ capture: 'live', format: 'har', direction: 'client' })).rejects.toThrow('a direction is for raw, hex and jsonl; har covers both sides')
    await expect(t.engine['capture.export.begin']({ capture: 'live', format: 'hex', connIds: [connId + 1], direction: 'client' })).rejects.toThrow(`no connection #${connId + 1}`)
    await expect(t.engine['capture.export.read']({ stream: 'e99', length: 1 })).rejects.toThrow('no export "e99" is being read')
  })

  it('stops when it is ended: the export is cancelled and the stream is gone', async () => {
    const { t, connId } = await recorded(Buffer.alloc(20 * MiB, 7))
    const { stream } = await t.engine['capture.export.begin']({ capture: 'live', format: 'hex', connIds: [connId], direction: 'client' })
    expect((await t.engine['capture.export.read']({ stream, length: 16 })).length).toBe(16)
    await t.engine['capture.export.end']({ stream })
    await expect(t.engine['capture.export.read']({ stream, length: 16 })).rejects.toThrow('is being read')
  })

  it('holds the writer back while the reader is behind, then lets it finish', async () => {
    let written = 0
    let finished = false
    const piece = Buffer.alloc(MiB, 1)
    const stream = new ExportStream(async (sink: ExportSink) => {
      for (let i = 0; i < 12; i++) {
        await sink.write(piece)
        written++
      }
      finished = true
    })
    for (let i = 0; i < 20; i++) await nextTurn()
    // What it may make before its first read: four pieces are held, and the fourth write waits.
    expect(written).toBe(3)
    let got = 0
    for (;;) {
      const bytes = await stream.read(3 * MiB)
      if (bytes.length === 0) break
      got += bytes.length
    }
    expect({ got, written, finished }).toEqual({ got: 12 * MiB, written: 12, finished: true })
  })

  it('a failed export fails its next read with its own error', async () => {
    const stream = new ExportStream(async (sink) => {
      await sink.write(Buffer.from('partial'))
      throw new Error('the capture file is damaged at byte 12')
    })
    await nextTurn()
    await expect(stream.read(100)).rejects.toThrow('the capture file is damaged at byte 12')
  })

  it('a cancelled read takes nothing; the next read gets the bytes', async () => {
    let write!: (b: Buffer) => Promise<void>
    const stream = new ExportStream(async (sink) => {
      write = (b) => sink.write(b)
      await new Promise(() => undefined)
    })
    const abort = new AbortController()
    const waiting = stream.read(10, abort.signal)
    abort.abort()
    await expect(waiting).rejects.toThrow('the export was cancelled')
    void write(Buffer.from('after'))
    expect(Buffer.from(await stream.read(10)).toString()).toBe('after')
  })

  it('ends a stream nobody reads, and takes at most four at once', async () => {
    const { t, connId } = await recorded(Buffer.from('hello'))
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const decoding = new Decoding()
    try {
      const streams = new ExportStreams({ decoding, progress: () => undefined }, 1000)
      const live = t.engine.capture
      const args: CommandArgs<'capture.export.begin'> = { capture: 'live', format: 'raw', connIds: [connId], direction: 'client' }
      const ids = []
      for (let i = 0; i < 4; i++) ids.push((await streams.begin(live, args)).stream)
      await expect(streams.begin(live, args)).rejects.toThrow('4 exports are already being read; finish or cancel one first')
      vi.advanceTimersByTime(1001)
      await expect(streams.read(ids[0], 10)).rejects.toThrow('waited too long for its next read')
      expect((await streams.begin(live, args)).stream).toBe('e5')
      streams.close()
    } finally {
      await decoding.close()
    }
  })
})
