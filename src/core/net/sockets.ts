// Small socket helpers shared by proxies and sessions.

import type { Socket } from 'node:net'
import type { PeerAddress } from '../../shared/capture-types'

/**
 * Sends an RST where the socket type allows it (TCP), else just closes. A socket still
 * connecting has sent nothing yet, so closing it is enough.
 */
export function resetSocket(s: Socket): void {
  if (s.destroyed) return
  if (s.connecting) {
    s.destroy()
    return
  }
  try {
    s.resetAndDestroy()
  } catch {
    s.destroy() // a Unix socket has no RST
  }
}

/**
 * One copy of each address string: every getpeername() returns a fresh "127.0.0.1", and a
 * capture index keeps one per connection, for as long as it lives.
 */
const addresses = new Map<string, string>()
function intern(address: string): string {
  const known = addresses.get(address)
  if (known !== undefined) return known
  if (addresses.size < 4096) addresses.set(address, address)
  return address
}

/** What is used here of the libuv handle under a net.Socket (Node's own `_handle`). */
interface AddressHandle {
  getpeername?(out: Record<string, unknown>): number
  getsockname?(out: Record<string, unknown>): number
}

/**
 * Asks the socket's handle, not Node's getters (remoteAddress, localPort, ...): those cache
 * the answer in a new property on the socket, which gives it another hidden class, and
 * measured here that slows every later stream operation on it: about 11 µs per proxied
 * connection, three times what the two system calls themselves cost. Falls back to the
 * getters where there is no such handle.
 */
function askHandle(s: Socket, which: 'getpeername' | 'getsockname'): PeerAddress | undefined {
  const handle = (s as unknown as { _handle?: AddressHandle | null })._handle
  const ask = handle?.[which]
  if (ask === undefined) return undefined
  const out: Record<string, unknown> = {}
  if (ask.call(handle, out) !== 0 || typeof out.address !== 'string' || typeof out.port !== 'number') return undefined
  const family = out.family === 6 || out.family === 'IPv6' ? 'IPv6' : 'IPv4'
  return { address: intern(out.address), port: out.port, family }
}

export function remotePeer(s: Socket, path?: string): PeerAddress | undefined {
  if (path !== undefined) return { path }
  const fromHandle = askHandle(s, 'getpeername')
  if (fromHandle !== undefined) return fromHandle
  if (s.remoteAddress !== undefined && s.remotePort !== undefined) {
    return { address: intern(s.remoteAddress), port: s.remotePort, family: s.remoteFamily ?? '' }
  }
  return undefined
}

export function localPeer(s: Socket, path?: string): PeerAddress | undefined {
  if (path !== undefined) return { path }
  const fromHandle = askHandle(s, 'getsockname')
  if (fromHandle !== undefined) return fromHandle
  if (s.localAddress !== undefined && s.localPort !== undefined) {
    return { address: intern(s.localAddress), port: s.localPort, family: s.localFamily ?? '' }
  }
  return undefined
}

/** A reset, or its aftermath (writing to a peer that is gone). */
export function isResetError(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ECONNRESET' || err.code === 'EPIPE'
}
