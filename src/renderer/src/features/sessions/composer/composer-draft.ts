// What the composer will send, as typed: text (in an encoding, with escapes), hex, or a
// file's bytes, then a checksum and a line ending; turned into the contract's PayloadSpec,
// and remembered in a short history of what was sent.

import type { ChecksumKind } from '../../../../../shared/payload/checksums'
import type { LineEnding, PayloadSpec, TextEncoding } from '../../../../../shared/payload/payload-spec'

/**
 * Largest file the composer sends. Its bytes travel base64-encoded in one call, and one
 * frame of the envelope holds at most 17 MiB (shared/wire.ts); base64 of 8 MiB is 10.7 MiB.
 */
export const MAX_FILE_BYTES = 8 * 1024 * 1024
export const MAX_HISTORY = 20
/** Longer payloads are sent but not remembered: the history lives in localStorage. */
export const MAX_HISTORY_DATA = 4096

export type ComposerKind = 'text' | 'hex' | 'file'

/** A file picked in the page: its bytes as base64, which every front end can carry. */
export interface PickedFile {
  name: string
  size: number
  base64: string
}

export interface ComposerOptions {
  encoding: TextEncoding
  escapes: boolean
  eol: LineEnding
  checksum: ChecksumKind
}

export interface ComposerDraft extends ComposerOptions {
  kind: ComposerKind
  /** Each kind keeps its own input, so switching back and forth loses nothing. */
  text: string
  hex: string
  file?: PickedFile
}

export const composerDraft = (options: Partial<ComposerOptions> = {}): ComposerDraft => ({
  kind: 'text',
  text: '',
  hex: '',
  encoding: 'utf8',
  escapes: true,
  eol: 'none',
  checksum: 'none',
  ...options
})

const extras = (d: ComposerOptions): Pick<PayloadSpec, 'eol' | 'checksum'> => ({
  ...(d.eol !== 'none' ? { eol: d.eol } : {}),
  ...(d.checksum !== 'none' ? { checksum: d.checksum } : {})
})

/**
 * The payload, or undefined when there is nothing to send (no text, no hex, no file). A
 * file is sent as its bytes in base64, not as a path: the engine may run on another host
 * (web mode), and a page cannot read paths anyway.
 */
export function composerPayload(d: ComposerDraft): PayloadSpec | undefined {
  switch (d.kind) {
    case 'text':
      if (d.text === '' && d.eol === 'none') return undefined
      return { kind: 'text', data: d.text, ...(d.encoding !== 'utf8' ? { encoding: d.encoding } : {}), ...(d.escapes ? {} : { escapes: false }), ...extras(d) }
    case 'hex':
      if (d.hex.trim() === '' && d.eol === 'none' && d.checksum === 'none') return undefined
      return { kind: 'hex', data: d.hex, ...extras(d) }
    case 'file':
      if (!d.file) return undefined
      return { kind: 'text', data: d.file.base64, encoding: 'base64', escapes: false, ...extras(d) }
  }
}

export interface HistoryEntry extends ComposerOptions {
  kind: 'text' | 'hex'
  data: string
}

/** The draft as a history entry; files and long payloads are not kept. */
export function historyEntry(d: ComposerDraft): HistoryEntry | undefined {
  if (d.kind === 'file') return undefined
  const data = d.kind === 'text' ? d.text : d.hex
  if (data.length > MAX_HISTORY_DATA) return undefined
  return { kind: d.kind, data, encoding: d.encoding, escapes: d.escapes, eol: d.eol, checksum: d.checksum }
}

const sameEntry = (a: HistoryEntry, b: HistoryEntry): boolean =>
  a.kind === b.kind && a.data === b.data && a.encoding === b.encoding && a.escapes === b.escapes && a.eol === b.eol && a.checksum === b.checksum

/** Newest first, each payload once, at most MAX_HISTORY. */
export function remember(history: readonly HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  return [entry, ...history.filter((h) => !sameEntry(h, entry))].slice(0, MAX_HISTORY)
}

/** A history entry back in the composer: its kind, its input, its options. */
export function reuse(d: ComposerDraft, e: HistoryEntry): ComposerDraft {
  const input = e.kind === 'text' ? { text: e.data } : { hex: e.data }
  return { ...d, ...input, kind: e.kind, encoding: e.encoding, escapes: e.escapes, eol: e.eol, checksum: e.checksum }
}

/** Entries read from storage that still fit the type (the format may have changed since). */
export function validHistory(value: unknown): HistoryEntry[] {
  if (!Array.isArray(value)) return []
  return value
    .filter(
      (e): e is HistoryEntry =>
        typeof e === 'object' && e !== null && (e.kind === 'text' || e.kind === 'hex') && typeof e.data === 'string' && typeof e.encoding === 'string' && typeof e.eol === 'string' && typeof e.checksum === 'string'
    )
    .slice(0, MAX_HISTORY)
}
