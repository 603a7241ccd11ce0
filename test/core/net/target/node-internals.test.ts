// The few places tcpscope reaches under Node's public socket API (node-internals.ts) must
// really take their fast path on the Node running them; these tests fail if one silently
// falls back. Each names the Node it measured: .ci/run also runs this file on Node 22,
// the generation Electron's own Node belongs to.
import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, readdirSync } from 'node:fs'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { loopbackPair } from '../../../helpers/net'
import { setImmediate as tick } from 'node:timers/promises'
import { confirmFin, handleAddress, internalsStatus, readInto, warmSocketConstructor } from '../../../../src/core/net/target/node-internals'

const NODE = `Node ${process.version}`
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Linux shows them in /proc; elsewhere the handle count below has to do. */
const openFds = (): number => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : 0)

async function pair(): Promise<{ client: Socket; accepted: Socket }> {
  const p = await loopbackPair('127.0.0.1', { allowHalfOpen: true })
  cleanups.push(p.close)
  return p
}

describe(`node internals on ${NODE}`, () => {
  it(`${NODE}: reads addresses from the socket's handle, the same ones Node's getters give`, async () => {
    const { client, accepted } = await pair()
    internalsStatus.handleAddresses = 'untried'
    const peer = handleAddress(accepted, 'getpeername')
    expect(internalsStatus.handleAddresses).toBe('yes')
    expect(peer).toEqual({ address: accepted.remoteAddress, port: accepted.remotePort, family: accepted.remoteFamily })
    expect(handleAddress(client, 'getsockname')).toEqual(peer)
  })

  it(`${NODE}: tells a reset that came with data from a FIN (the pending ECONNRESET is read)`, async () => {
    const { client, accepted } = await pair()
    internalsStatus.finCheck = 'untried'
    const outcome = new Promise<string>((resolve) => {
      accepted.on('data', () => {})
      accepted.on('end', () => confirmFin(accepted, () => resolve('fin')))
      accepted.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
    })
    client.write('data then reset')
    client.resetAndDestroy()
    expect(await outcome).toBe('ECONNRESET')
  })

  it(`${NODE}: takes a FIN after our own FIN for a FIN, by the second read (the slow path)`, async () => {
    const { client, accepted } = await pair()
    internalsStatus.finCheck = 'untried'
    accepted.resume()
    accepted.end()
    await once(client, 'end')
    const confirmed = new Promise<string>((resolve) => {
      accepted.on('end', () => confirmFin(accepted, () => resolve('fin')))
      accepted.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
    })
    client.end('bye')
    expect(await confirmed).toBe('fin')
    expect(internalsStatus.finCheck).toBe('yes')
  })

  it(`${NODE}: an accepted socket reads into the caller's buffers, every byte in order, and still ends, pauses and resumes`, async () => {
    const { client, accepted } = await pair()
    internalsStatus.userBuffer = 'untried'
    const first = Buffer.alloc(16)
    const used = new Set<Buffer>()
    const got: Buffer[] = []
    let current = first
    let reads = 0
    // Every other read swaps the buffer, as a proxy does when a write kept the bytes.
    const ok = readInto(
      accepted,
      first,
      (n, b) => {
        used.add(b)
        got.push(Buffer.from(b.subarray(0, n)))
        if (++reads % 2 === 0) current = Buffer.alloc(16)
      },
      () => current
    )
    expect(ok).toBe(true)
    expect(internalsStatus.userBuffer).toBe('yes')
    accepted.on('data', () => expect.fail("a socket reading into the caller's buffer emitted 'data'"))
    const ended = once(accepted, 'end')
    accepted.pause()
    const sent = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251))
    client.write(sent.subarray(0, 500))
    await tick()
    accepted.resume()
    client.end(sent.subarray(500))
    await ended
    expect(Buffer.concat(got).equals(sent)).toBe(true)
    expect(used.has(first)).toBe(true)
    expect(used.size).toBeGreaterThan(1)
  })

  it(`${NODE}: a socket reading into the caller's buffer still tells a reset that came with data from a FIN`, async () => {
    const { client, accepted } = await pair()
    const buf = Buffer.alloc(64)
    expect(readInto(accepted, buf, () => {}, () => buf)).toBe(true)
    const outcome = new Promise<string>((resolve) => {
      accepted.on('end', () => confirmFin(accepted, () => resolve('fin')))
      accepted.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
    })
    client.write('data then reset')
    client.resetAndDestroy()
    expect(await outcome).toBe('ECONNRESET')
  })

  it(`${NODE}: the socket warm-up opens no file descriptor and leaves no handle behind`, async () => {
    const fds = openFds()
    const resources = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length
    warmSocketConstructor()
    warmSocketConstructor()
    await tick()
    expect(openFds()).toBe(fds)
    expect(process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length).toBe(resources)
  })
})
