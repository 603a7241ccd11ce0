// Bad input to proxy.start fails with one line that says what is wrong and what to do
// (no newline, no stack), and leaves nothing behind: no proxy, no listener, no file.
import { failInvalidNamesLocally } from '../../helpers/local-dns'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Engine } from '../../../src/core/engine'
import { describeNetError, UserError } from '../../../src/core/net/net-errors'
import { startServer, tempDir } from '../../helpers/net'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { expectOneLine, oneLineRejection } from '../../helpers/errors'
import { portableCli } from '../../helpers/cli'

let t: TestEngine
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

async function startFails(listen: string, target = '127.0.0.1:1'): Promise<string> {
  const message = await oneLineRejection(t.engine['proxy.start']({ listen, target }))
  expect(await t.engine['proxy.list']()).toEqual([])
  return message
}

describe('proxy: bad input', () => {
  it('says the port is in use, and how to pick another', async () => {
    t = await testEngine()
    const busy = await startServer(() => {})
    cleanups.push(busy.close)
    expect(await startFails(`127.0.0.1:${busy.port}`)).toBe(
      `cannot listen on 127.0.0.1:${busy.port}: the port is already in use; stop the other program or pick another port (0 = any free port)`
    )
  })

  it('says a listen host does not resolve', async () => {
    const restoreDns = failInvalidNamesLocally()
    onTestFinished(restoreDns)
    t = await testEngine()
    expect(await startFails('nonexistent.invalid:0')).toBe(
      'unknown host in nonexistent.invalid:0: the name does not resolve; check the spelling or use an IP address'
    )
  })

  it('says a listen address is not on this machine', async () => {
    t = await testEngine()
    // TEST-NET-1 is never a local address; binding to it fails locally, nothing is sent.
    expect(await startFails('192.0.2.1:0')).toMatch(/^cannot listen on 192\.0\.2\.1:0: that address is not on this machine/)
  })

  it.each([
    ['70000', '--listen: bad port in "70000": use a number from 0 to 65535'],
    ['abc', '--listen: bad port in "abc": use a number from 0 to 65535'],
    ['127.0.0.1:-1', '--listen: bad port in "127.0.0.1:-1": use a number from 0 to 65535'],
    ['[::1', '--listen: bad address "[::1": write IPv6 as [ADDR]:PORT'],
    ['', '--listen: empty address: give HOST:PORT or a socket path']
  ])('rejects the listen address %j', async (listen, message) => {
    t = await testEngine()
    expect(await startFails(listen)).toBe(message)
  })

  it.each([
    ['127.0.0.1:70000', '--target: bad port in "127.0.0.1:70000": use a number from 0 to 65535'],
    ['localhost', '--target: bad address "localhost": give HOST:PORT (e.g. 127.0.0.1:6379) or a socket path'],
    [':80', '--target: bad address ":80": the host is missing before ":"']
  ])('rejects the target %j before listening', async (target, message) => {
    t = await testEngine()
    expect(await startFails('127.0.0.1:0', target)).toBe(message)
  })

  it('says when the folder of a socket path does not exist', async () => {
    t = await testEngine()
    const path = join(t.dir, 'no', 'such', 'dir', 'x.sock')
    expect(await startFails(path)).toBe(`cannot listen on ${path}: its folder does not exist`)
  })

  it('refuses a socket path too long for the OS instead of listening on a shortened one', async () => {
    t = await testEngine()
    const path = join(t.dir, 'x'.repeat(120) + '.sock')
    expect(await startFails(path)).toMatch(/^socket path .+ is too long; use a shorter path/)
    expect(readdirSync(t.dir).filter((f) => f.startsWith('xxx'))).toEqual([])
    const target = await oneLineRejection(t.engine['proxy.start']({ listen: '127.0.0.1:0', target: path }))
    expect(target).toMatch(/^socket path .+ is too long/)
  })

  it('says when the capture file cannot be created, and why', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const path = join(dir, 'missing', 'c.tcap')
    let err: unknown
    try {
      await Engine.create({ capturePath: path })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(UserError)
    expect((err as Error).message).toBe(`cannot create capture file ${path}: its folder does not exist`)
  })

  it('says permission was denied when listening where the user may not', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const locked = join(dir, 'locked')
    mkdirSync(locked)
    chmodSync(locked, 0o500)
    const path = join(locked, 'x.sock')
    let message: string
    if (process.getuid?.() !== 0) {
      t = await testEngine()
      message = await startFails(path)
    } else {
      // Root passes every permission check, so ask as nobody, through the CLI in a child:
      // a copy of the built CLI and of Node, since nobody may not be able to reach the
      // checkout, nor the Node that CI unpacked inside it.
      chmodSync(dir, 0o777)
      const { node, cli } = portableCli(dir)
      const r = spawnSync(node, [cli, 'proxy', '--listen', path, '--target', '127.0.0.1:1', '--capture', join(dir, 'c.tcap')], {
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
        timeout: 20_000
      })
      expect(r.status).toBe(1)
      message = r.stderr.trim().replace(/^tcpscope: /, '')
    }
    expect(message).toBe(`cannot listen on ${path}: permission denied; pick a socket path in a folder you can write to`)
    expectOneLine(message)
    expect(existsSync(path)).toBe(false)
  })

  it('explains EACCES on a port: ports below 1024 need root', () => {
    const err = Object.assign(new Error('listen EACCES: permission denied 0.0.0.0:80'), { code: 'EACCES' })
    expect(describeNetError(err, { op: 'listen', where: '0.0.0.0:80' })).toBe(
      'cannot listen on 0.0.0.0:80: permission denied; ports below 1024 need root, so use a port from 1024 up (or a writable socket path)'
    )
  })
})
