// What a row of the conversation shows: the looks the user chose for it (kept across
// connections, as the view is made anew for each), and how an event reads (its glyph, and
// whether it is a warning or a minor step).

import { ref } from 'vue'
import type { CaptureEvent } from '../../../../shared/capture-types'
import type { ChunkRef, ShownChunk } from './chunk-previews'

export const TIME_MODES = ['clock', 'delta'] as const
export type TimeMode = (typeof TIME_MODES)[number]
/** Kept across connections: the view is made anew for each. */
export const timeMode = ref<TimeMode>('clock')
/** Chunks as text, or as hex rows for binary protocols (whose control names run together as text). */
export const CHUNK_LOOKS = ['text', 'hex'] as const
export const chunksAs = ref<(typeof CHUNK_LOOKS)[number]>('text')

/** A row on screen, everything its template shows worked out once per render. */
export interface Row {
  /** The event's index in the connection. */
  index: number
  /** The row's index in the window (what the virtualizer measures by). */
  key: number
  start: number
  e?: CaptureEvent
  chunk?: ChunkRef
  time: string
  name: string
  shown?: ShownChunk
  error?: string
  /** The "show more" button's words, when there is more. */
  more?: string
  capped: boolean
  /** The messages that start in the chunk's shown bytes, by where (bytes from the chunk's start): their numbers (from 1). */
  marks?: Map<number, number[]>
}

export const chunkOf = (e: CaptureEvent | undefined): ChunkRef | undefined =>
  e?.kind === 'data' && e.dir !== undefined ? { dir: e.dir, offset: e.offset ?? 0, length: e.length ?? 0 } : undefined

/** Faults, breakpoints, traffic rules and a person's actions are tcpscope's doing: the warning colour, never a direction's. */
export const isIntervention = (e: CaptureEvent): boolean => e.kind === 'fault' || e.kind === 'break' || e.kind === 'rule' || e.kind === 'action'
export const isWarning = (e: CaptureEvent): boolean =>
  e.kind === 'reset' || e.kind === 'error' || e.kind === 'connect-failed' || e.kind === 'gap' || (e.kind === 'close' && e.info?.end !== 'closed') || isIntervention(e)
export const isMinor = (e: CaptureEvent): boolean => e.kind === 'open' || e.kind === 'connecting' || e.kind === 'connected' || e.kind === 'lookup'
const MARK_GLYPHS: Partial<Record<CaptureEvent['kind'], string>> = { reset: '✕', 'connect-failed': '✕', error: '✕', fin: '⇥', fault: '⚡', break: '‖', rule: '§', action: '✎', gap: '⋯' }
export const glyph = (e: CaptureEvent): string => (e.kind === 'data' ? (e.dir === 'client' ? '→' : '←') : (MARK_GLYPHS[e.kind] ?? '·'))
