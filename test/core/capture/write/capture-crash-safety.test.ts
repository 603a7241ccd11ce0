// A capture file stays readable whatever happened to its writer: cut at any byte, a
// damaged record header, or a proxy killed with SIGKILL mid-transfer. Everything before
// the damage reopens exactly, and `cutAt` says where the file stopped making sense.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import type { ConnectionSummary, Direction } from '../../../../src/shared/capture-types'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { collect, connectTo, randomPayload, startServer, tempDir, waitFor } from '../../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { closedConnections } from '../../../helpers/capture-checks'
import { DIR, FILE_HEADER, RECORD_HEADER, TYPE, walkRecords, wholeRecordsEnd, withoutStoredIndex, type RawRecord } from '../../../helpers/capture-file'
import { startCliProxy, type CliProxy } from '../../../helpers/cli-proxy'

let t: TestEngine | undefined
let cli: CliProxy | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  await cli?.stop('SIGKILL')
  cli = undefined
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

const DIRS: Direction[] = ['client', 'server']
/** Resolves when the socket has closed, whether or not an error came first. */
const closed = (s: Socket): Promise<void> => new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())))

/** A finished capture of a few different connections: echoed, half-closed, reset, refused. */
async function recordSample(opts: { checksumPayloads?: boolean } = {}): Promise<{ path: string; file: Buffer }> {
  t = await testEngine(opts)
  const server = await startServer((s) => {
    s.on('error', () => {}) // the reset connection
    s.on('data', (d: Buffer) => s.write(Buffer.concat([Buffer.from('re:'), d])))
    s.on('end', () => s.end('bye'))
  })
  cleanups.push(server.close)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  for (const sizes of [[5, 300, 2], [1500], [1, 1, 1, 400]]) {
    const c = await connectTo(portOf(proxy.listen))
    const got = collect(c)
    for (const n of sizes) {
      c.write(randomPayload(n))
      await once(c, 'data')
    }
    c.end()
    await got
  }
  const reset = await connectTo(portOf(proxy.listen))
  reset.write('x')
  await once(reset, 'data')
  reset.resetAndDestroy()
  await closedConnections(t.engine, 4)
  const refused = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: join(t.dir, 'nobody.sock') })
  const c = await connectTo(portOf(refused.listen))
  c.on('error', () => {})
  c.resume()
  await closed(c)
  await closedConnections(t.engine, 5)
  await t.engine.close()
  return { path: t.capturePath, file: readFileSync(t.capturePath) }
}

interface Expected {
  cutAt?: number
  conns: Map<number, { bytes: Record<Direction, number>; closed: boolean }>
}

/** What a reader must find in the first `cut` bytes, from the file's framing alone. */
function expectedAt(records: RawRecord[], cut: number): Expected {
  const conns: Expected['conns'] = new Map()
  let cutAt: number | undefined
  for (const r of records) {
    if (r.end > cut) {
      if (r.start < cut) cutAt = r.start
      break
    }
    if (r.type === TYPE.Open) conns.set(r.connId, { bytes: { client: 0, server: 0 }, closed: false })
    const c = conns.get(r.connId)
    if (!c) continue
    if (r.type === TYPE.Data) c.bytes[r.dir === DIR.client ? 'client' : 'server'] += r.length
    if (r.type === TYPE.Close) c.closed = true
  }
  return { cutAt, conns }
}

async function openPrefix(file: Buffer, cut: number, at: string): Promise<FileCapture> {
  writeFileSync(at, file.subarray(0, cut))
  return FileCapture.open(at)
}

describe('capture crash safety', () => {
  it('reopens a file cut at every byte with every complete record before the cut, and says where it was cut', async () => {
    const { file, path } = await recordSample()
    const records = walkRecords(file)
    const whole = await FileCapture.open(path)
    cleanups.push(() => whole.close())
    const full = new Map<number, { summary: ConnectionSummary; bytes: Record<Direction, Buffer> }>()
    for (const s of await whole.listConnections()) {
      full.set(s.id, { summary: s, bytes: { client: await whole.readBytes(s.id, 'client', 0, s.bytes.client), server: await whole.readBytes(s.id, 'server', 0, s.bytes.server) } })
    }
    expect(full.size).toBe(5)
    const boundaries = new Set(records.flatMap((r) => [r.start - 1, r.start, r.start + 1, r.end - 1]))

    // Compared in plain code and reported together: thousands of cuts, one readable failure.
    const wrong: Array<[number, string]> = []
    const check = async (cut: number, cutPath: string): Promise<void> => {
      if (cut < FILE_HEADER) {
        const err = await FileCapture.open(cutPath).then(
          (c) => (void c.close(), 'opened'),
          (e: Error) => e.message
        )
        const meant =
          cut < 8 ? /is not a tcpscope capture file \(no TCPSCAP header\)$/ : new RegExp(`is a tcpscope capture cut inside its file header \\(${cut} of 16 bytes\\)`)
        if (!meant.test(err)) wrong.push([cut, `cut at ${cut}: ${err}`])
        return
      }
      const want = expectedAt(records, cut)
      const got = await FileCapture.open(cutPath)
      try {
        const actual = (await got.listConnections()).map((c) => ({ id: c.id, bytes: c.bytes, end: c.end }))
        const expected = [...want.conns].map(([id, w]) => ({ id, bytes: w.bytes, end: w.closed ? full.get(id)!.summary.end : 'cut' }))
        const info = got.info()
        const seen = JSON.stringify({ cutAt: info.cutAt, cutKind: info.cutKind, size: info.size, conns: actual })
        const meant = JSON.stringify({ cutAt: want.cutAt, cutKind: want.cutAt === undefined ? undefined : 'incomplete', size: cut, conns: expected })
        if (seen !== meant) wrong.push([cut, `cut at ${cut}: got ${seen}, want ${meant}`])
        // Around record boundaries, read the bytes back too: a prefix of each full stream.
        if (boundaries.has(cut)) {
          for (const c of expected) {
            for (const dir of DIRS) {
              const read = await got.readBytes(c.id, dir, 0, 1 << 30)
              if (!read.equals(full.get(c.id)!.bytes[dir].subarray(0, c.bytes[dir]))) wrong.push([cut, `cut at ${cut}: #${c.id} ${dir} bytes differ`])
            }
          }
        }
      } finally {
        await got.close()
      }
    }
    // Each cut is a real file of that many bytes, opened by the one public reader. Opening is
    // a chain of small file-system calls (and a probe for a writer's lock), mostly waiting on
    // libuv's pool: several lanes keep it busy. Each lane writes the whole file once and
    // truncates it down, cut after cut, so each file is exactly the prefix being checked.
    const LANES = 8
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        const cutPath = join(t!.dir, `cut-${lane}.tcap`)
        writeFileSync(cutPath, file)
        for (let cut = file.length - lane; cut >= 0; cut -= LANES) {
          truncateSync(cutPath, cut)
          await check(cut, cutPath)
        }
      })
    )
    wrong.sort((a, b) => a[0] - b[0])
    expect(wrong.slice(0, 5).map(([, w]) => w)).toEqual([])
  })

  it('stops at a damaged record header, says it is damaged (not cut), and keeps everything before it', async () => {
    // The scan is what reads a file whose writer died before storing its index.
    const file = withoutStoredIndex((await recordSample()).file)
    const records = walkRecords(file)
    const at = join(t!.dir, 'damaged.tcap')
    for (const [k, r] of records.entries()) {
      for (const byte of [0, 3, 4, 6, 8, 12, 16, 20, 24, 32, RECORD_HEADER - 1]) {
        const damaged = Buffer.from(file)
        damaged[r.start + byte] ^= 0x10
        const got = await openPrefix(damaged, damaged.length, at)
        try {
          expect(got.info().cutAt, `record ${k}, header byte ${byte}`).toBe(r.start)
          expect(got.info().cutKind, `record ${k}, header byte ${byte}`).toBe('damaged')
          const want = expectedAt(records, r.start)
          expect((await got.listConnections()).map((c) => [c.id, c.bytes])).toEqual([...want.conns].map(([id, c]) => [id, c.bytes]))
        } finally {
          await got.close()
        }
      }
    }
  })

  it('stops at a damaged data payload when payloads carry checksums', async () => {
    const file = withoutStoredIndex((await recordSample({ checksumPayloads: true })).file)
    const records = walkRecords(file)
    const at = join(t!.dir, 'damaged.tcap')
    const data = records.filter((r) => r.type === TYPE.Data)
    expect(data.length).toBeGreaterThan(5)
    for (const r of data) {
      const damaged = Buffer.from(file)
      damaged[r.start + RECORD_HEADER + (r.length >> 1)] ^= 0x01
      // Followed by more records, a bad payload is damage; as the file's last record, it is
      // one the writer was still writing.
      for (const [end, kind] of [[damaged.length, 'damaged'], [r.end, 'incomplete']] as const) {
        const got = await openPrefix(damaged, end, at)
        expect(got.info().cutAt, `record at ${r.start}, file cut at ${end}`).toBe(r.start)
        expect(got.info().cutKind, `record at ${r.start}, file cut at ${end}`).toBe(kind)
        await got.close()
      }
    }
  })

  it('refuses files that are not captures with a clear one-line error', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const cases: Array<[string, Buffer, RegExp]> = [
      ['empty.tcap', Buffer.alloc(0), /is not a tcpscope capture file \(no TCPSCAP header\)$/],
      ['random.bin', randomPayload(10_000), /is not a tcpscope capture file \(no TCPSCAP header\)$/],
      ['notes.txt', Buffer.from('TCPSCAP is a fine name for a file\n'), /is not a tcpscope capture file/],
      ['future.tcap', Buffer.concat([Buffer.from('TCPSCAP\0', 'latin1'), Buffer.from([9, 0, 40, 0, 0, 0, 0, 0])]), /is capture format v9; this tcpscope reads up to v3: upgrade tcpscope$/]
    ]
    for (const [name, bytes, message] of cases) {
      const path = join(dir, name)
      writeFileSync(path, bytes)
      const err = await FileCapture.open(path).then(
        () => undefined,
        (e: Error) => e
      )
      expect(err?.message, name).toMatch(message)
      expect(err?.message).not.toMatch(/\n/)
    }
  })

  it('leaves a readable file when the proxy is killed with SIGKILL mid-transfer: a byte-exact prefix of what was sent', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const capture = join(dir, 'killed.tcap')
    const server = await startServer((s) => {
      s.on('error', () => {})
      s.pipe(s)
    })
    cleanups.push(server.close)
    cli = await startCliProxy({ target: `127.0.0.1:${server.port}`, capture })

    const sent = [0, 1, 2].map(() => randomPayload(32 * 1024 * 1024))
    const clients: Socket[] = []
    for (const data of sent) {
      const c = await connectTo(cli.port)
      c.on('error', () => {})
      c.resume()
      clients.push(c)
      void (async () => {
        for (let off = 0; off < data.length && !c.destroyed; off += 64 * 1024) {
          if (!c.write(data.subarray(off, off + 64 * 1024))) await new Promise((r) => (c.once('drain', r), c.once('close', r)))
        }
      })()
    }
    await waitFor(() => statSync(capture).size > 8 * 1024 * 1024, 'the capture to grow past 8 MiB')
    cli.child.kill('SIGKILL')
    expect(await cli.exited).toBe(null)
    cli = undefined
    await Promise.all(clients.map(closed))

    const file = await FileCapture.open(capture)
    cleanups.push(() => file.close())
    // The file ends after its last whole record, or in a torn record or an O_DIRECT block's
    // zero padding: then the reader must say it is cut there.
    const bytes = readFileSync(capture)
    const whole = wholeRecordsEnd(bytes)
    const { size, cutAt, cutKind } = file.info()
    expect({ size, cutAt, cutKind }).toEqual({ size: bytes.length, ...(whole < bytes.length ? { cutAt: whole, cutKind: 'incomplete' } : {}) })
    const conns = await file.listConnections()
    expect(conns.length).toBe(3)
    let recorded = 0
    for (const c of conns) {
      // Every client was still sending when the proxy died: none has a close record.
      expect(c.end).toBe('cut')
      // Which client is which: the first bytes tell. The kill may come before a connection's
      // first bytes were recorded, and an empty prefix is a prefix of any of them.
      const client = await file.readBytes(c.id, 'client', 0, c.bytes.client)
      const head = client.subarray(0, 64)
      const source = sent.find((d) => d.subarray(0, head.length).equals(head))
      expect(source, `connection #${c.id} holds bytes no client sent`).toBeDefined()
      expect(client.equals(source!.subarray(0, client.length))).toBe(true)
      const echoed = await file.readBytes(c.id, 'server', 0, c.bytes.server)
      expect(echoed.equals(source!.subarray(0, echoed.length))).toBe(true)
      recorded += client.length
    }
    expect(recorded).toBeGreaterThan(1024 * 1024)
  })
})
