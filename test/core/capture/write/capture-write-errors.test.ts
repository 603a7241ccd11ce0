// When the capture file cannot be written (disk full, file too large), recording stops
// with one clear message, and nothing else does: traffic keeps flowing byte-exact, the
// process stays up, and what was recorded before stays readable.
import { afterEach, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { existsSync, fstatSync, openSync, statSync } from 'node:fs'
import type { Socket } from 'node:net'
import { once } from 'node:events'
import type { EngineEvent } from '../../../../src/shared/events'
import { Engine } from '../../../../src/core/engine'
import { UserError } from '../../../../src/core/net/net-errors'
import { BufferedWriter } from '../../../../src/core/capture/write/buffered-writer'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { collect, connectTo, randomPayload, sha256, startServer, waitFor } from '../../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { closedConnections } from '../../../helpers/capture-checks'
import { expectOneLine } from '../../../helpers/errors'
import { needProgram, programWorks } from '../../../helpers/peers'

let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

const hasDevFull = existsSync('/dev/full')

/**
 * Sets this process's file size limit (RLIMIT_FSIZE, soft) with prlimit(1): writes past it
 * fail with EFBIG (Node ignores SIGXFSZ), as a full disk fails them with ENOSPC. Returns
 * the restore function.
 */
function limitFileSize(bytes: number): () => void {
  const pid = String(process.pid)
  const [soft, hard] = execFileSync('prlimit', ['--pid', pid, '--fsize', '--output=SOFT,HARD', '--noheadings', '--raw'], { encoding: 'utf8' }).trim().split(/\s+/)
  execFileSync('prlimit', ['--pid', pid, `--fsize=${bytes}:${hard}`])
  return () => execFileSync('prlimit', ['--pid', pid, `--fsize=${soft}:${hard}`])
}

async function echoOnce(c: Socket, text: string): Promise<void> {
  c.write(text)
  let got = ''
  while (got.length < text.length) got += ((await once(c, 'data')) as [Buffer])[0].toString()
  expect(got).toBe(text)
}

describe('capture write errors', () => {
  it.skipIf(!hasDevFull)('refuses a device as the capture file in one line, without opening it', async () => {
    for (const writeMode of ['auto', 'buffered'] as const) {
      for (const overwrite of [false, true]) {
        let err: unknown
        try {
          await Engine.create({ capturePath: '/dev/full', writeMode, overwrite })
        } catch (e) {
          err = e
        }
        expect(err).toBeInstanceOf(UserError)
        expect((err as Error).message).toBe('cannot create capture file /dev/full: /dev/full is a character device, not a file; give a file path')
        expectOneLine((err as Error).message)
      }
    }
  })

  it.skipIf(!hasDevFull)('the writer stops for good on ENOSPC: one error, producers released, waiters rejected, close still closes', async () => {
    const fd = openSync('/dev/full', 'w')
    const errors: NodeJS.ErrnoException[] = []
    const pressure: boolean[] = []
    const w = new BufferedWriter(fd, 16, { onPressure: (p) => pressure.push(p), onError: (e) => errors.push(e) }, { highWater: 1000, lowWater: 100 })
    w.append(Buffer.alloc(600, 1), 0, 600)
    w.append(Buffer.alloc(100, 3), 0, 40, Buffer.alloc(560, 2))
    expect(pressure).toEqual([true])
    await expect(w.waitWritten(w.end)).rejects.toMatchObject({ code: 'ENOSPC' })
    expect(errors.map((e) => e.code)).toEqual(['ENOSPC'])
    expect(w.error?.code).toBe('ENOSPC')
    // Paused producers are let go: with recording stopped there is nothing to wait for.
    expect(pressure).toEqual([true, false])
    const end = w.end
    w.append(Buffer.alloc(5000), 0, 5000)
    expect(w.end).toBe(end)
    await expect(w.waitWritten(end)).rejects.toMatchObject({ code: 'ENOSPC' })
    expect(errors).toHaveLength(1)
    await w.close()
    expect(() => fstatSync(fd)).toThrow(/EBADF/)
  })

  it.for(['buffered', 'auto'] as const)(
    'with a %s writer, a write error stops recording with one capture-error event while traffic flows on',
    async (writeMode, ctx) => {
      needProgram(ctx, 'prlimit (util-linux) on Linux', process.platform === 'linux' && programWorks('prlimit', ['--version']))
      t = await testEngine({ writeMode })
      const server = await startServer((s) => {
        s.on('error', () => {})
        s.pipe(s)
      })
      cleanups.push(server.close)
      const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })

      // A conversation recorded in full before the file stops growing.
      const before = await connectTo(portOf(proxy.listen))
      await echoOnce(before, 'recorded before the disk filled up')
      before.end()
      const [first] = await closedConnections(t.engine, 1)
      await t.engine['conn.events']({ capture: 'live', connId: first.id }) // reading the events waits until they are on disk

      // One block more than is on disk: the next writes get partly through (a short write)
      // and then fail, as on a disk that fills up mid-write.
      const restore = limitFileSize(statSync(t.capturePath).size + 4096)
      cleanups.push(restore)
      const after = await connectTo(portOf(proxy.listen))
      const payload = randomPayload(2 * 1024 * 1024)
      const echoed = collect(after)
      after.end(payload)
      expect(sha256(await echoed)).toBe(sha256(payload))

      const failure = await waitFor(
        () => t!.events.find((e): e is Extract<EngineEvent, { type: 'capture-error' }> => e.type === 'capture-error'),
        'a capture-error event'
      )
      expect(failure.message).toMatch(/^capture stopped: cannot write .+ \(EFBIG: .+\); traffic is still forwarded but no longer recorded$/)
      expectOneLine(failure.message)
      expect(t.events.filter((e) => e.type === 'capture-error')).toHaveLength(1)
      expect(t.engine.capture.info().error).toMatch(/^EFBIG: /)
      // Still forwarding: a third connection works too.
      const third = await connectTo(portOf(proxy.listen))
      await echoOnce(third, 'still forwarding')
      third.end()
      await closedConnections(t.engine, 3)
      // What was on disk before stays readable, live and after reopening.
      const live = await t.engine['conn.read']({ capture: 'live', connId: first.id, dir: 'server', offset: 0, length: 1000 })
      expect(Buffer.from(live).toString()).toBe('recorded before the disk filled up')
      // The size reported (the CLI's captureBytes) is what the file holds, not what was appended.
      expect(t.engine.capture.info().size).toBe(statSync(t.capturePath).size)
      restore()
      await t.engine.close()
      expect(t.engine.capture.info().size).toBe(statSync(t.capturePath).size)
      const file = await FileCapture.open(t.capturePath)
      cleanups.push(() => file.close())
      const reopened = (await file.listConnections()).find((c) => c.id === first.id)
      expect(reopened).toMatchObject({ end: 'closed', bytes: { client: 34, server: 34 } })
      expect((await file.readBytes(first.id, 'client', 0, 100)).toString()).toBe('recorded before the disk filled up')
    }
  )
})
