// The few places where tcpscope reaches under Node's public socket API, all here, each
// guarded: where the internal is missing or behaves differently (another Node version,
// Electron's Node), the public way is used instead and `internalsStatus` says so. Each
// one is measured or needed for correctness, as its comment says; test/core/net/target/
// node-internals.test.ts fails when a fast path silently stops working. It sits beside
// connect-target.ts because the proxy's fast path is most of what it serves; sessions and
// accepted sockets use its address and FIN checks too.

import { Socket } from 'node:net'
import type { PeerAddress } from '../../../shared/capture-types'

/** Which internals work in this process (tests and diagnostics read it). */
export const internalsStatus = {
  /** Addresses read from the handle, not Node's caching getters. */
  handleAddresses: 'untried' as 'untried' | 'yes' | 'fallback',
  /** A FIN told from a reset that libuv reported as EOF. */
  finCheck: 'untried' as 'untried' | 'yes' | 'fallback',
  /** Reads into a buffer the caller owns (readInto), not a new one per read. */
  userBuffer: 'untried' as 'untried' | 'yes' | 'fallback'
}

/** What is used of the libuv handle under a net.Socket (Node's own `_handle`). */
interface StreamHandle {
  getpeername?(out: Record<string, unknown>): number
  getsockname?(out: Record<string, unknown>): number
  readStart?(): number
  onread?: (...args: unknown[]) => unknown
  useUserBuffer?(buf: Uint8Array): void
}

const handleOf = (s: Socket): StreamHandle | undefined => (s as unknown as { _handle?: StreamHandle | null })._handle ?? undefined

/**
 * One copy of each address string: every getpeername() returns a fresh "127.0.0.1", and a
 * capture index keeps one per connection, for as long as it lives.
 */
const addresses = new Map<string, string>()
export function intern(address: string): string {
  const known = addresses.get(address)
  if (known !== undefined) return known
  if (addresses.size < 4096) addresses.set(address, address)
  return address
}

/**
 * A socket's address asked of its handle, not of Node's getters (remoteAddress,
 * localPort, ...): those cache the answer in a new property on the socket, which gives it
 * another hidden class, and measured here that slows every later stream operation on it:
 * about 11 µs per proxied connection, three times what the two system calls cost.
 * Undefined where the handle cannot say; the caller then uses the getters.
 */
export function handleAddress(s: Socket, which: 'getpeername' | 'getsockname'): PeerAddress | undefined {
  const handle = handleOf(s)
  const ask = handle?.[which]
  if (typeof ask !== 'function') {
    if (handle !== undefined) internalsStatus.handleAddresses = 'fallback'
    return undefined
  }
  try {
    const out: Record<string, unknown> = {}
    if (ask.call(handle, out) !== 0 || typeof out.address !== 'string' || typeof out.port !== 'number') return undefined
    internalsStatus.handleAddresses = 'yes'
    const family = out.family === 6 || out.family === 'IPv6' ? 'IPv6' : 'IPv4'
    return { address: intern(out.address), port: out.port, family }
  } catch {
    internalsStatus.handleAddresses = 'fallback'
    return undefined
  }
}

/**
 * Calls `fin` when the 'end' a TCP socket just emitted was really the peer's FIN; when it
 * was a reset, Node destroys the socket with ECONNRESET instead (its 'error' listener
 * sees it) and `fin` is not called.
 *
 * Why: when a RST arrives together with data (or while the socket is paused, so the data
 * waits in the kernel), epoll reports the socket readable and hung up at once; libuv reads
 * the data and, seeing the hang-up, reports EOF without reading again, so the reset's
 * ECONNRESET stays pending in the kernel and Node emits 'end' as for a FIN. Measured here:
 * 20 of 20 tries of "5 bytes, then SO_LINGER 0 close" ended that way.
 *
 * So: after a FIN the socket is still connected (CLOSE_WAIT), and getpeername() works; if
 * it fails, the socket is closed, by a reset or by a close after our own FIN. Then reading
 * once more tells them apart: the pending ECONNRESET comes out as a read error (Node then
 * destroys the socket with it), a FIN as a second EOF, which Node ignores.
 */
export function confirmFin(s: Socket, fin: () => void): void {
  // A TLSSocket's handle is TLS's (TLSWrap): its reads are records, so a second read never
  // comes back through onread as below and the socket would stay open for good; the TCP
  // socket under it tells (confirmTlsFin), else its end is the TLS layer's, taken as a FIN.
  if ((s as Socket & { encrypted?: boolean }).encrypted === true) {
    const tcp = tcpUnder(s)
    return tcp !== undefined ? confirmTlsFin(s, tcp, fin) : fin()
  }
  const handle = handleOf(s)
  if (handle === undefined || typeof handle.getpeername !== 'function' || typeof handle.readStart !== 'function') {
    // A Unix socket (no reset to tell) or a handle this Node does not have: take it as a FIN.
    return fin()
  }
  try {
    if (handle.getpeername({}) === 0) return fin()
  } catch {
    internalsStatus.finCheck = 'fallback'
    return fin()
  }
  const original = handle.onread
  // Once both directions are done Node destroys the socket right after 'end', which would
  // close it before the second read; it is held open until that read is in.
  const state = (s as unknown as { _readableState?: { autoDestroy?: boolean } })._readableState
  if (typeof original !== 'function' || state === undefined || typeof state.autoDestroy !== 'boolean') {
    internalsStatus.finCheck = 'fallback'
    return fin()
  }
  const autoDestroy = state.autoDestroy
  const settle = (): void => {
    state.autoDestroy = autoDestroy
    if (s.destroyed) return // the read said ECONNRESET: Node destroyed it with that error
    fin()
    if (autoDestroy && s.readableEnded && s.writableFinished) s.destroy()
  }
  state.autoDestroy = false
  handle.onread = function (this: unknown, ...args: unknown[]): unknown {
    handle.onread = original
    const result = original.apply(this, args)
    internalsStatus.finCheck = 'yes'
    settle()
    return result
  }
  let started: number
  try {
    started = handle.readStart()
  } catch {
    started = -1
  }
  if (started !== 0) {
    handle.onread = original
    internalsStatus.finCheck = 'fallback'
    settle()
  }
}

/**
 * confirmFin for a TLS socket, whose 'end' comes from its TLS layer: reading the TCP socket
 * once more is not ours to do there, so the kernel's state decides. After the peer's FIN the
 * TCP socket still has a peer (CLOSE_WAIT); after a reset it has none. Only once tcpscope
 * sent its own FIN too is "no peer" ambiguous (both FINs done): then it counts as a FIN.
 */
function confirmTlsFin(s: Socket, tcp: Socket, fin: () => void): void {
  const handle = handleOf(tcp)
  if (handle === undefined || typeof handle.getpeername !== 'function' || s.writableEnded) return fin()
  let connected: boolean
  try {
    connected = handle.getpeername({}) === 0
  } catch {
    internalsStatus.finCheck = 'fallback'
    return fin()
  }
  if (connected) return fin()
  s.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' }))
}

// Node's Socket constructor copies its options with `{ ...options }` and then adds three
// properties to the copy. On the V8 of Node 20 (11.3) a spread copy made while that site
// has seen few shapes gets a hidden class outside V8's transition tree, so each added
// property builds a brand-new hidden class, for every socket, and every later read of those
// options misses its inline cache. Measured here: about 14 µs of CPU per proxied connection
// (two sockets), a tenth of what a whole proxied connection costs.
//
// Once that site has seen many shapes, V8 copies through its generic path, whose objects
// share hidden classes, and the cost is gone. So before accepting traffic, build (and at
// once destroy) a few handle-less sockets from options of distinct shapes. They open no
// file descriptor; where V8 does not need this it costs a few microseconds once.

/** Distinct shapes, more than V8 keeps apart at one site (4), and calls enough to count. */
const SHAPES = 8
const ROUNDS = 4

export function warmSocketConstructor(): void {
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < SHAPES; k++) {
      new Socket({ [`tcpscopeWarmup${k}`]: true } as object).destroy()
    }
  }
}

// Node's `onread` option (a socket reads into one buffer its owner gives, not into a new
// 64 KiB ArrayBuffer per read) exists for sockets a program connects, not for those a
// server accepts. Measured here with a bare forwarder, 1 GiB through one connection: 0.66 s
// of CPU with a buffer per read, 0.49 s reading into one reused buffer; the rest was the
// garbage collector freeing those buffers (a major collection every ~50 MB). Node keeps the
// option's state in three properties every Socket has from its constructor (kBuffer,
// kBufferCb, kBufferGen; found by their names), and its read path, pause(), resume() and
// read() all honour them; the handle's useUserBuffer() points its reads at the buffer.

let onreadKeys: { buffer: symbol; callback: symbol; next: symbol } | null | undefined

function onreadSymbols(s: Socket): { buffer: symbol; callback: symbol; next: symbol } | null {
  if (onreadKeys !== undefined) return onreadKeys
  const own = Object.getOwnPropertySymbols(s)
  const find = (name: string): symbol | undefined => own.find((k) => k.description === name)
  const buffer = find('kBuffer')
  const callback = find('kBufferCb')
  const next = find('kBufferGen')
  onreadKeys = buffer && callback && next ? { buffer, callback, next } : null
  return onreadKeys
}

/**
 * From now on `s` reads into `buffer`: each read calls `onRead(n, buffer)` instead of
 * emitting 'data' (the bytes are buffer[0, n)), then `next()` names the buffer for the next
 * read: the same one when nothing kept a reference to these bytes, else a new one. Call it
 * before any byte is read (at accept, or just after connect()); 'end', errors, pause() and
 * resume() work as before. False, changing nothing, where this Node lacks the internals.
 */
export function readInto(s: Socket, buffer: Buffer, onRead: (n: number, buf: Buffer) => void, next: () => Buffer): boolean {
  const handle = handleOf(s)
  const keys = onreadSymbols(s)
  const fields = s as unknown as Record<symbol, unknown>
  if (handle === undefined || typeof handle.useUserBuffer !== 'function' || keys === null || fields[keys.buffer] !== null) {
    internalsStatus.userBuffer = 'fallback'
    return false
  }
  try {
    handle.useUserBuffer(buffer)
  } catch {
    internalsStatus.userBuffer = 'fallback'
    return false
  }
  fields[keys.buffer] = buffer
  fields[keys.callback] = onRead
  fields[keys.next] = next
  internalsStatus.userBuffer = 'yes'
  return true
}

/**
 * The TCP socket under a TLSSocket (Node keeps it as `_parent`), for what only TCP can do:
 * an RST (resetAndDestroy() refuses a TLS handle). Undefined for a plain socket, or where
 * this Node keeps it elsewhere (the caller then closes instead of resetting).
 */
export function tcpUnder(s: Socket): Socket | undefined {
  const parent = (s as unknown as { _parent?: unknown })._parent
  return parent instanceof Socket && parent !== s ? parent : undefined
}
