// Conversations made hostile for the HTTP/1 decoder's fuzz tests: a valid conversation
// mutated at random (seeded, so a failure replays) and cut at random points, and what a
// decoding found, to compare two decodings of it.
import type { Direction } from '../../../../src/shared/capture-types'
import type { Decoded, Piece } from '../feed'

/** A random change: flip, insert, delete, duplicate or replace a run of bytes. */
export function mutate(s: string, rand: () => number): string {
  const at = Math.floor(rand() * (s.length + 1))
  const run = 1 + Math.floor(rand() * 8)
  const pick = '\r\n :;0123456789abcdefGHTP/\x00\xff\t'
  const some = (): string => Array.from({ length: run }, () => pick[Math.floor(rand() * pick.length)]).join('')
  switch (Math.floor(rand() * 5)) {
    case 0:
      return s.slice(0, at) + String.fromCharCode(s.charCodeAt(at) ^ (1 << Math.floor(rand() * 8))) + s.slice(at + 1)
    case 1:
      return s.slice(0, at) + some() + s.slice(at)
    case 2:
      return s.slice(0, at) + s.slice(at + run)
    case 3:
      return s.slice(0, at) + s.slice(at, at + run * 4) + s.slice(at)
    default:
      return s.slice(0, at) + some() + s.slice(at + run)
  }
}

/** The conversation's pieces, each cut again at random points (same direction, same order, same time). */
export function split(pieces: Array<[Direction, string]>, rand: () => number): Piece[] {
  const out: Piece[] = []
  pieces.forEach(([dir, s], k) => {
    let at = 0
    while (at < s.length) {
      const n = 1 + Math.floor(rand() * Math.min(s.length - at, rand() < 0.3 ? 3 : 40))
      out.push({ dir, bytes: s.slice(at, at + n), time: 1000 + k })
      at += n
    }
  })
  return out
}

export const whole = (pieces: Array<[Direction, string]>): Piece[] => pieces.map(([dir, s], k) => ({ dir, bytes: s, time: 1000 + k }))
export const ends: Piece[] = [
  { dir: 'client', end: true, time: 5000 },
  { dir: 'server', end: true, time: 5000 }
]

/** Everything a decoding found, to compare two. */
export const found = (d: Decoded): unknown => ({ exchanges: d.exchanges, messages: d.messages, problems: d.problems, summary: d.decoder.summary() })
