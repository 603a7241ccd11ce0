// While a breakpoint holds what a client sends, the client is not read: a 1 GiB upload
// stops at what the kernel's buffers take, so the engine's memory stays bounded, and once
// the rule is let go every byte arrives in order.
import { createHash, randomBytes } from 'node:crypto'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { connected, proxyTo, type ToxicProxy } from '../fault/toxic-helpers'
import { addBreak, heldQueue } from './break-helpers'

const TOTAL = 1024 * 1024 * 1024
const BLOCK = randomBytes(1024 * 1024)

let t: TestEngine
let p: ToxicProxy
let receivedBytes = 0
const serverHash = createHash('sha256')
let serverDone: Promise<void>
beforeEach(async () => {
  t = await testEngine()
  let done!: () => void
  serverDone = new Promise((r) => (done = r))
  p = await proxyTo(t.engine, (s) => {
    s.on('data', (c: Buffer) => {
      receivedBytes += c.length
      serverHash.update(c)
      if (receivedBytes >= TOTAL) done()
    })
  })
})
afterEach(async () => {
  await p.close()
  await t.dispose()
})

it('holds a 1 GiB upload at the sender, memory bounded, then delivers every byte', { timeout: 120_000 }, async () => {
  await addBreak(t.engine, p.proxyId, { match: 'chunk', stream: 'upstream', timeoutMs: 0 })
  const c = await connected(p.port)
  const clientHash = createHash('sha256')
  let written = 0
  const before = process.memoryUsage()
  const writing = (async () => {
    while (written < TOTAL) {
      clientHash.update(BLOCK)
      written += BLOCK.length
      if (!c.write(BLOCK)) await new Promise((r) => c.once('drain', r))
    }
  })()
  await heldQueue(t.engine)
  // Give the client every chance to push more than it should.
  await new Promise((r) => setTimeout(r, 1500))
  const during = process.memoryUsage()
  const writtenWhileHeld = written
  expect(writtenWhileHeld).toBeLessThan(64 * 1024 * 1024)
  expect(during.arrayBuffers - before.arrayBuffers).toBeLessThan(128 * 1024 * 1024)
  expect(receivedBytes).toBe(0)

  expect((await t.engine['held.forwardAll']({ proxyId: p.proxyId, disable: true })).forwarded).toBe(1)
  await writing
  await serverDone
  expect(receivedBytes).toBe(TOTAL)
  expect(serverHash.digest('hex')).toBe(clientHash.digest('hex'))
  c.destroy()
})
