// A capture file belongs to the one writer recording it: nothing is silently overwritten,
// a second writer is refused while the first lives, the lock goes with the process (even
// killed with SIGKILL), and a reader sees a file being written as live, not cut.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, fstatSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { Engine } from '../../../../src/core/engine'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { lockAddress, lockCapture, probeWriter } from '../../../../src/core/capture/write/capture-lock'
import { connectTo, startServer, tempDir, waitFor } from '../../../helpers/net'
import { portOf } from '../../../helpers/engine'
import { closedConnections } from '../../../helpers/capture-checks'
import { userRefusal } from '../../../helpers/errors'
import { startCliProxy } from '../../../helpers/cli-proxy'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function dir(): string {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  return dir
}

async function engineOn(path: string, overwrite = false): Promise<Engine> {
  const engine = await Engine.create({ capturePath: path, overwrite })
  cleanups.push(() => engine.close())
  return engine
}

describe('capture ownership', () => {
  it('refuses to record over any existing file unless told to overwrite, and over a file that is not a capture even then', async () => {
    const path = join(dir(), 'notes.txt')
    writeFileSync(path, 'my notes\n')
    const err = await userRefusal(Engine.create({ capturePath: path }))
    expect(err.message).toBe(`${path} already exists; overwrite it (--force) or pick another name`)
    expect(err.code).toBe('EEXIST')
    expect(readFileSync(path, 'utf8')).toBe('my notes\n')
    const forced = await userRefusal(Engine.create({ capturePath: path, overwrite: true }))
    expect(forced.message).toBe(`cannot create capture file ${path}: ${path} is not a tcpscope capture, and only captures are ever replaced; pick another name`)
    expect(forced.code).toBe('ENOTCAPTURE')
    expect(readFileSync(path, 'utf8')).toBe('my notes\n')

    const capture = join(dir(), 'old.tcap')
    await (await engineOn(capture)).close()
    const engine = await engineOn(capture, true)
    await engine.close()
    expect(readFileSync(capture).subarray(0, 8).toString('latin1')).toBe('TCPSCAP\0')
  })

  it('refuses a second writer on a capture being written, even with overwrite, naming the writer; the first keeps its file', async () => {
    const path = join(dir(), 'c.tcap')
    const first = await engineOn(path)
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const proxy = await first['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const c = await connectTo(portOf(proxy.listen))
    c.end('first')
    await closedConnections(first, 1)

    const err = await userRefusal(Engine.create({ capturePath: path, overwrite: true }))
    expect(err.message).toBe(`${path} is being written by another tcpscope (pid ${process.pid}); stop it first, or record to another file`)
    expect(err.code).toBe('ELOCKED')

    await first.close()
    const file = await FileCapture.open(path)
    cleanups.push(() => file.close())
    expect((await file.listConnections()).map((s) => s.bytes)).toEqual([{ client: 5, server: 5 }])
    // Closed, the lock is gone: the file can be recorded over on purpose.
    const again = await engineOn(path, true)
    await again.close()
  })

  it('says a folder is a folder', async () => {
    const folder = join(dir(), 'captures')
    mkdirSync(folder)
    for (const overwrite of [false, true]) {
      const err = await userRefusal(Engine.create({ capturePath: folder, overwrite }))
      expect(err.message).toBe(`cannot create capture file ${folder}: that is a folder; give a file path such as FOLDER/capture.tcap`)
    }
  })

  it('a writer killed with SIGKILL leaves no lock: the file reads as cut, and a new writer may take it over', async () => {
    const path = join(dir(), 'killed.tcap')
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const cli = await startCliProxy({ target: `127.0.0.1:${server.port}`, capture: path })
    const c = await connectTo(cli.port)
    c.write('before the kill')
    await once(c, 'data')
    // The CLI writes quiet traffic out within 50 ms: once the file holds the exchange, it dies without a word.
    await vi.waitFor(async () => {
      const seen = await FileCapture.open(path)
      try {
        expect((await seen.listConnections())[0]?.bytes).toEqual({ client: 15, server: 15 })
      } finally {
        await seen.close()
      }
    }, { timeout: 10_000, interval: 20 })
    const st = fstatSync(openSync(path, 'r'))
    expect(await probeWriter(st)).toMatchObject({ pid: cli.pid })
    cli.child.kill('SIGKILL')
    await cli.exited
    c.destroy()

    expect(await probeWriter(st)).toBeUndefined()
    const file = await FileCapture.open(path)
    cleanups.push(() => file.close())
    expect(file.info().live).toBe(false)
    expect((await file.listConnections())[0]).toMatchObject({ end: 'cut', bytes: { client: 15, server: 15 } })
    const engine = await engineOn(path, true)
    await engine.close()
  })

  it('with a lock file instead of an abstract name (other Unixes), a stale file from a killed writer is taken over', async () => {
    const path = join(dir(), 'c.tcap')
    closeSync(openSync(path, 'w'))
    const id = fstatSync(openSync(path, 'r'))
    const address = lockAddress(id, 'file')
    // A process that listened on the lock path and was killed: the socket file stays behind.
    // Alive, it answers the probe as a writer does (its status, then the end): one that
    // answered nothing would cost the probe's whole timeout (2 s) to be told a writer too.
    const holder = spawn(process.execPath, ['-e', `require('net').createServer((s) => s.end(JSON.stringify({ pid: process.pid }) + '\\n')).listen(${JSON.stringify(address)}, () => console.log('up'))`])
    await once(holder.stdout!, 'data')
    const status = async () => ({ pid: process.pid, written: 0 })
    await expect(lockCapture(path, id, status, 'file')).rejects.toThrow(/is being written by another tcpscope/)
    holder.kill('SIGKILL')
    await once(holder, 'exit')
    expect(existsSync(address)).toBe(true)
    const lock = await lockCapture(path, id, status, 'file')
    expect(await probeWriter(id, 'file')).toEqual({ pid: process.pid, written: 0 })
    await lock.release()
    expect(await probeWriter(id, 'file')).toBeUndefined()
  })
})

describe('the lock, released', () => {
  it('is released while a reader is still connected to it, which held the release up for as long as it stayed', async () => {
    const path = join(dir(), 'held.tcap')
    closeSync(openSync(path, 'w'))
    const id = fstatSync(openSync(path, 'r'))
    const lock = await lockCapture(path, id, async () => ({ pid: process.pid, written: 0 }))
    // A reader that connected and went quiet (it reads the answer and never closes).
    const reader = connect({ path: lockAddress(id), allowHalfOpen: true })
    await once(reader, 'connect')
    await once(reader, 'data')
    const released = await Promise.race([lock.release().then(() => 'released'), new Promise((r) => setTimeout(() => r('still waiting'), 3000).unref())])
    expect(released).toBe('released')
    reader.destroy()
    expect(await probeWriter(id)).toBeUndefined()
  })
})

describe('reading a capture while it is written', () => {
  it('reads as live: open connections open, everything flushed so far, no cut', async () => {
    const path = join(dir(), 'live.tcap')
    const engine = await engineOn(path)
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const c = await connectTo(portOf(proxy.listen))
    c.write('one')
    await once(c, 'data')

    const early = await FileCapture.open(path)
    cleanups.push(() => early.close())
    expect(early.info()).toMatchObject({ live: true, writerPid: process.pid })
    expect(early.info().cutAt).toBeUndefined()
    const [conn] = await early.listConnections()
    expect(conn).toMatchObject({ end: 'open', bytes: { client: 3, server: 3 } })
    expect((await early.readBytes(conn.id, 'server', 0, 10)).toString()).toBe('one')

    c.write('two')
    await waitFor(() => engine.capture.connections()[0].bytes.server === 6, 'the echo')
    const later = await FileCapture.open(path)
    cleanups.push(() => later.close())
    expect((await later.listConnections())[0].bytes).toEqual({ client: 6, server: 6 })
    c.end()
  })
})
