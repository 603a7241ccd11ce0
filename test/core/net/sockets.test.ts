// Reading both ends' addresses of real loopback sockets, without leaving Node's address
// caches behind on the socket (that is why sockets.ts asks the handle).
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { Socket } from 'node:net'
import { loopbackPair } from '../../helpers/net'
import { localPeer, remotePeer } from '../../../src/core/net/sockets'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A connected pair on `host`, closed after the test. */
async function pair(host: string): Promise<{ client: Socket; accepted: Socket }> {
  const p = await loopbackPair(host)
  cleanups.push(p.close)
  return p
}

/**
 * Runs `read` and names the own properties of `s` it added or replaced: where Node's address
 * getters cache what they looked up (`_peername`, `_sockname` today, whatever the names).
 */
function watchOwnProperties<T>(s: Socket, read: () => T): { value: T; touched: Array<string | symbol> } {
  const before = new Map(Reflect.ownKeys(s).map((k) => [k, Reflect.get(s, k)]))
  const value = read()
  return { value, touched: Reflect.ownKeys(s).filter((k) => !before.has(k) || !Object.is(before.get(k), Reflect.get(s, k))) }
}

describe('socket addresses', () => {
  it('reads both ends of an IPv4 connection, as Node reports them, without caching them on the socket', async () => {
    const { client, accepted } = await pair('127.0.0.1')
    const peer = watchOwnProperties(accepted, () => remotePeer(accepted))
    const local = watchOwnProperties(client, () => localPeer(client))
    expect(peer.touched).toEqual([])
    expect(local.touched).toEqual([])
    expect(peer.value).toEqual({ address: client.localAddress, port: client.localPort, family: 'IPv4' })
    expect(local.value).toEqual(peer.value)
    expect(remotePeer(client)).toEqual({ address: '127.0.0.1', port: accepted.localPort, family: 'IPv4' })
  })

  it('reads IPv6 addresses', async () => {
    const { client, accepted } = await pair('::1')
    expect(remotePeer(accepted)).toEqual({ address: '::1', port: client.localPort, family: 'IPv6' })
    expect(localPeer(client)).toEqual({ address: '::1', port: client.localPort, family: 'IPv6' })
  })

  it('names the path of a Unix socket', () => {
    expect(remotePeer(new Socket(), '/tmp/x.sock')).toEqual({ path: '/tmp/x.sock' })
    expect(localPeer(new Socket(), '/tmp/x.sock')).toEqual({ path: '/tmp/x.sock' })
  })

  it('gives undefined for a socket that has no connection', async () => {
    expect(remotePeer(new Socket())).toBeUndefined()
    const { client } = await pair('127.0.0.1')
    client.destroy()
    await once(client, 'close')
    expect(localPeer(client)).toBeUndefined()
  })
})
