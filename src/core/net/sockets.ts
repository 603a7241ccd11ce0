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

export function remotePeer(s: Socket, path?: string): PeerAddress | undefined {
  if (s.remoteAddress !== undefined && s.remotePort !== undefined) {
    return { address: intern(s.remoteAddress), port: s.remotePort, family: s.remoteFamily ?? '' }
  }
  return path !== undefined ? { path } : undefined
}

export function localPeer(s: Socket, path?: string): PeerAddress | undefined {
  if (s.localAddress !== undefined && s.localPort !== undefined) {
    return { address: intern(s.localAddress), port: s.localPort, family: s.localFamily ?? '' }
  }
  return path !== undefined ? { path } : undefined
}

/** A reset, or its aftermath (writing to a peer that is gone). */
export function isResetError(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ECONNRESET' || err.code === 'EPIPE'
}
