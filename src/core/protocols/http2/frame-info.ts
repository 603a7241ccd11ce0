// What a frame says, in short, for the Frames view and `show`: its flags by name and the
// fields of its payload (SETTINGS values, a window increment, an error code, a GOAWAY's last
// stream and debug text). Reads only what the frame reader kept; never throws.

import { h2ErrorName } from '../../../shared/protocol-types'
import { F_ACK, F_END_HEADERS, F_END_STREAM, F_PADDED, F_PRIORITY, T_CONTINUATION, T_DATA, T_GOAWAY, T_HEADERS, T_PING, T_PRIORITY, T_PUSH_PROMISE, T_RST_STREAM, T_SETTINGS, T_WINDOW_UPDATE } from './frame-reader'
import type { RawFrame } from './raw-frame'

export const SETTING_NAMES: Record<number, string> = {
  1: 'HEADER_TABLE_SIZE',
  2: 'ENABLE_PUSH',
  3: 'MAX_CONCURRENT_STREAMS',
  4: 'INITIAL_WINDOW_SIZE',
  5: 'MAX_FRAME_SIZE',
  6: 'MAX_HEADER_LIST_SIZE',
  8: 'ENABLE_CONNECT_PROTOCOL',
  9: 'NO_RFC7540_PRIORITIES'
}

/** A debug text shown at most this long. */
const MAX_DEBUG_TEXT = 200

const u32 = (b: Uint8Array, at: number): number => ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3]

/** A SETTINGS payload's parameters, in order (a repeated one kept: the last wins). */
export function settingsOf(payload: Uint8Array): Array<{ id: number; value: number }> {
  const out: Array<{ id: number; value: number }> = []
  for (let at = 0; at + 6 <= payload.length; at += 6) out.push({ id: (payload[at] << 8) | payload[at + 1], value: u32(payload, at + 2) })
  return out
}

function flagNames(f: RawFrame): string[] {
  const names: string[] = []
  const has = (bit: number): boolean => (f.flags & bit) !== 0
  if (f.type === T_SETTINGS || f.type === T_PING) {
    if (has(F_ACK)) names.push('ACK')
    return names
  }
  if ((f.type === T_DATA || f.type === T_HEADERS) && has(F_END_STREAM)) names.push('END_STREAM')
  if ((f.type === T_HEADERS || f.type === T_PUSH_PROMISE || f.type === T_CONTINUATION) && has(F_END_HEADERS)) names.push('END_HEADERS')
  if ((f.type === T_DATA || f.type === T_HEADERS || f.type === T_PUSH_PROMISE) && has(F_PADDED)) names.push('PADDED')
  if (f.type === T_HEADERS && has(F_PRIORITY)) names.push('PRIORITY')
  return names
}

function text(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < Math.min(bytes.length, MAX_DEBUG_TEXT); i++) {
    const c = bytes[i]
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.'
  }
  return bytes.length > MAX_DEBUG_TEXT ? `${s}…` : s
}

function fields(f: RawFrame): string[] {
  const p = f.payload
  if (f.type === T_DATA) return f.padLength ? [`pad ${f.padLength}`] : []
  if (!p) return ['not kept']
  switch (f.type) {
    case T_SETTINGS:
      return settingsOf(p).map((s) => `${SETTING_NAMES[s.id] ?? `0x${s.id.toString(16)}`}=${s.value}`)
    case T_WINDOW_UPDATE:
      return p.length >= 4 ? [`+${u32(p, 0) & 0x7fffffff}`] : []
    case T_RST_STREAM:
      return p.length >= 4 ? [h2ErrorName(u32(p, 0))] : []
    case T_GOAWAY: {
      if (p.length < 8) return []
      const out = [`last stream ${u32(p, 0) & 0x7fffffff}`, h2ErrorName(u32(p, 4))]
      if (p.length > 8) out.push(JSON.stringify(text(p.subarray(8))))
      return out
    }
    case T_PUSH_PROMISE: {
      const pad = (f.flags & F_PADDED) !== 0 ? 1 : 0
      return p.length >= pad + 4 ? [`promised stream ${u32(p, pad) & 0x7fffffff}`] : []
    }
    case T_PRIORITY:
      return p.length >= 5 ? [`depends on ${u32(p, 0) & 0x7fffffff}${p[0] & 0x80 ? ' (exclusive)' : ''}, weight ${p[4] + 1}`] : []
    case T_PING:
      return [Array.from(p.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('')]
    default:
      return []
  }
}

/** The frame in short: flags by name, then what its payload says. */
export function frameInfo(f: RawFrame): string {
  return [...flagNames(f), ...fields(f)].join(' ')
}
