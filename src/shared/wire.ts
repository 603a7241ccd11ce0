// The one envelope every transport carries (Electron IPC and web mode's WebSocket), and the
// byte codec that packs it: a frame is a little-endian u32 length, that many bytes of JSON,
// then the binary attachments. Every Uint8Array in a message travels as raw bytes after
// the JSON (no base64, no arrays of numbers); in the JSON it is a `{"$b": N}` reference.

import type { ErrorInfoWire } from './errors'

/** Front end -> engine. */
export type ClientMessage =
  /** Run command `cmd`; its reply carries the same id. */
  | { t: 'call'; id: number; cmd: string; args?: unknown }
  /** Stop a long command (expect, sequence, search, open, save): it replies ECANCELED. */
  | { t: 'cancel'; id: number }

/** Engine -> front end. */
export type ServerMessage =
  | { t: 'reply'; id: number; ok: true; value: unknown }
  | { t: 'reply'; id: number; ok: false; error: ErrorInfoWire }
  | { t: 'event'; event: unknown }

/** Largest frame either side accepts: a read is at most 16 MiB, plus room for the envelope. */
export const MAX_FRAME_BYTES = 17 * 1024 * 1024

export class FrameError extends Error {}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Deeper than any message nests: past it, a value is taken to hold bytes (the replacer's path then says what it is). */
const MAX_DEPTH = 64

/**
 * Whether `value` may hold bytes for the replacer to attach: a Uint8Array anywhere, or what
 * this walk cannot see through (a toJSON other than Date's, which could return bytes; nesting
 * past MAX_DEPTH, a cycle included). Walking a page of 200 rows takes a few microseconds.
 */
function mayHoldBytes(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (value instanceof Uint8Array || depth > MAX_DEPTH) return true
  // Other typed arrays hold numbers only; a Date says itself as a string.
  if (ArrayBuffer.isView(value) || value instanceof Date) return false
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return true
  if (Array.isArray(value)) {
    for (const v of value) if (mayHoldBytes(v, depth + 1)) return true
    return false
  }
  for (const key in value) if (mayHoldBytes((value as Record<string, unknown>)[key], depth + 1)) return true
  return false
}

export function encodeFrame(message: ClientMessage | ServerMessage): Uint8Array {
  const blobs: Uint8Array[] = []
  // A replacer is called for every value, and made the engine's JSON.stringify of a page of
  // rows take 1.3-1.5 times as long (bench/ui.mjs's scroll asks for 500 of them): a message with
  // no bytes, most replies and every batch without previews, is stringified without one.
  const json = !mayHoldBytes(message, 0)
    ? JSON.stringify(message)
    : JSON.stringify(message, function (this: Record<string, unknown>, key: string, value: unknown) {
        // The holder's own value: a Node Buffer has already been through its toJSON in `value`.
        const raw = this[key]
        if (raw instanceof Uint8Array) {
          blobs.push(raw)
          return { $b: blobs.length - 1, n: raw.length }
        }
        return value
      })
  const head = encoder.encode(json)
  let total = 4 + head.length
  for (const b of blobs) total += b.length
  const frame = new Uint8Array(total)
  new DataView(frame.buffer).setUint32(0, head.length, true)
  frame.set(head, 4)
  let at = 4 + head.length
  for (const b of blobs) {
    frame.set(b, at)
    at += b.length
  }
  return frame
}

/** Decodes a frame; throws FrameError for anything malformed (frames may come from anyone). */
export function decodeFrame(frame: Uint8Array): unknown {
  if (frame.length < 4 || frame.length > MAX_FRAME_BYTES) throw new FrameError(`bad frame size ${frame.length}`)
  const headLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true)
  if (headLength > frame.length - 4) throw new FrameError('frame header runs past the frame')
  let text: string
  try {
    text = decoder.decode(frame.subarray(4, 4 + headLength))
  } catch {
    throw new FrameError('frame header is not UTF-8')
  }
  let at = 4 + headLength
  let next = 0
  try {
    // A reviver makes JSON.parse several times slower (it is called for every value; a page of
    // rows is most of a busy list's scripting), so a header that cannot hold a reference is
    // parsed without one: a "$b" key is spelled with those two characters or with an escape.
    if (!text.includes('$b') && !text.includes('\\u')) return JSON.parse(text)
    // Attachments follow in the order their references appear, which is the order the
    // reviver meets them (references never nest).
    return JSON.parse(text, (_key, value: unknown) => {
      if (typeof value === 'object' && value !== null && '$b' in value) {
        const { $b: index, n } = value as { $b?: unknown; n?: unknown }
        if (index !== next++ || typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || at + n > frame.length) throw new FrameError('bad attachment')
        // A copy, so a kept result never pins the whole frame.
        const bytes = frame.slice(at, at + n)
        at += n
        return bytes
      }
      return value
    })
  } catch (err) {
    if (err instanceof FrameError) throw err
    throw new FrameError('frame header is not JSON')
  }
}
