// Small socket helpers shared by proxies and sessions.

import type { Socket } from 'node:net'
import type { PeerAddress } from '../../shared/capture-types'
import { handleAddress, intern, tcpUnder } from './target/node-internals'

/**
 * Sends an RST where the socket type allows it (TCP), else just closes. A socket still
 * connecting is reset once it connects (Node waits for that itself): its peer may already
 * have seen the connection, and must see it reset, not closed. Returns whether an RST went
 * (or will go once connected): not for a socket already gone, nor for a Unix socket, whose
 * peer only sees it close.
 */
export function resetSocket(s: Socket): boolean {
  if (s.destroyed) return false
  try {
    s.resetAndDestroy()
    return true
  } catch {
    // A TLS socket: the RST goes out on the TCP socket under it (which takes the TLS socket down too).
    const tcp = tcpUnder(s)
    try {
      if (tcp !== undefined && !tcp.destroyed) {
        tcp.resetAndDestroy()
        return true
      }
    } catch {
      // A Unix socket under TLS: closed below.
    }
    s.destroy() // a Unix socket has no RST
    return false
  }
}

/**
 * Waiting for bytes already read from one side to reach the other before resetting it;
 * a peer that does not take them within this long is reset anyway.
 */
export const FLUSH_BEFORE_RESET_MS = 1000

const EMPTY = Buffer.alloc(0)

/**
 * RST, after every byte already written to `s` has been handed to the kernel: the side
 * that reset sent those bytes before its RST, so the other side must get them first, as
 * it would have without tcpscope in between (and as the capture says it did).
 */
export function resetWhenFlushed(s: Socket, maxWaitMs = FLUSH_BEFORE_RESET_MS): void {
  if (s.destroyed) return
  if (!s.connecting && (s.writableFinished || (s.writableLength === 0 && !s.writableEnded))) return void resetSocket(s)
  const timer = setTimeout(() => resetSocket(s), maxWaitMs)
  timer.unref()
  const go = (): void => {
    clearTimeout(timer)
    resetSocket(s)
  }
  // An empty write completes after every write before it; after our FIN, 'finish' does.
  if (s.writableEnded) s.once('finish', go)
  else s.write(EMPTY, go)
}

export function remotePeer(s: Socket, path?: string): PeerAddress | undefined {
  if (path !== undefined) return { path }
  const fromHandle = handleAddress(s, 'getpeername')
  if (fromHandle !== undefined) return fromHandle
  if (s.remoteAddress !== undefined && s.remotePort !== undefined) {
    return { address: intern(s.remoteAddress), port: s.remotePort, family: s.remoteFamily ?? '' }
  }
  return undefined
}

export function localPeer(s: Socket, path?: string): PeerAddress | undefined {
  if (path !== undefined) return { path }
  const fromHandle = handleAddress(s, 'getsockname')
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

/** Resolves once `s` takes more writes ('drain'), closes, or `signal` aborts. */
export function drainedOrClosed(s: Socket, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      s.off('drain', done)
      s.off('close', done)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    s.on('drain', done)
    s.on('close', done)
    signal?.addEventListener('abort', done, { once: true })
  })
}
