// A raw replay turn's answer beside the recorded one, in the shape the HTTP comparison takes
// (shared/response-comparison-types.ts), so one view (diff/BodyDifference.vue) shows both:
// when both read as text, the `diff` library's unified hunks, made in its async mode (the
// page never waits on it) within its effort bounds; otherwise both kept answers as bytes.
// The engine compares a raw turn byte for byte only (`matched`); how its lines differ is
// asked here, of the first REPLAY_KEPT_PER_TURN bytes it kept of each.

import { structuredPatch } from 'diff'
import { looksLikeText } from '../../../../../shared/body-type'
import { DIFF_CONTEXT_LINES as CONTEXT, DIFF_TIMEOUT_MS, MAX_DIFF_EDIT_LENGTH, MAX_DIFF_LINE_CHARS, MAX_DIFF_RESULT_LINES, type BodyComparison, type DiffHunk, type DiffLine } from '../../../../../shared/response-comparison-types'


/** Bytes that read as UTF-8 text a person reads (a character cut at the end of what was kept is fine). */
function asText(bytes: Uint8Array): string | undefined {
  if (!looksLikeText(bytes)) return undefined
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes, { stream: true })
  } catch {
    return undefined
  }
}

const SIGNS: Record<string, DiffLine['change'] | undefined> = { ' ': 'same', '-': 'removed', '+': 'added' }
const shown = (text: string): string => (text.length > MAX_DIFF_LINE_CHARS ? text.slice(0, MAX_DIFF_LINE_CHARS) + '…' : text)

/** The library's hunks as the comparison's, its lines capped in number and length. */
function hunksOf(patch: { hunks: Array<{ oldStart: number; newStart: number; lines: string[] }> }): { hunks: DiffHunk[]; cut: boolean } {
  const hunks: DiffHunk[] = []
  let carried = 0
  for (const h of patch.hunks) {
    const lines: DiffLine[] = []
    for (const line of h.lines) {
      const change = SIGNS[line[0]]
      // "\ No newline at end of file" is the patch format's, not a line of either answer.
      if (change === undefined) continue
      if (carried++ >= MAX_DIFF_RESULT_LINES) return { hunks: lines.length ? [...hunks, { recordedLine: h.oldStart, replayedLine: h.newStart, lines }] : hunks, cut: true }
      lines.push({ change, text: shown(line.slice(1).replace(/\r$/, '')) })
    }
    hunks.push({ recordedLine: h.oldStart, replayedLine: h.newStart, lines })
  }
  return { hunks, cut: false }
}

/** Every line of both, removed then added: what is shown when the library gives up. */
function coarse(recorded: string, replayed: string): { hunks: DiffHunk[]; cut: boolean } {
  const lines = (text: string, sign: string): string[] => text.split('\n').map((l) => sign + l.replace(/\r$/, ''))
  return hunksOf({ hunks: [{ oldStart: 1, newStart: 1, lines: [...lines(recorded, '-'), ...lines(replayed, '+')] }] })
}

/** How the replayed answer differs from the recorded one. */
export function compareTurn(recorded: Uint8Array, replayed: Uint8Array): Promise<BodyComparison> {
  const same = recorded.length === replayed.length && recorded.every((b, i) => b === replayed[i])
  if (same) return Promise.resolve({ kind: 'same' })
  const a = asText(recorded)
  const b = asText(replayed)
  if (a === undefined || b === undefined) {
    let first = 0
    while (first < recorded.length && first < replayed.length && recorded[first] === replayed[first]) first++
    return Promise.resolve({ kind: 'binary', firstDifference: first, at: 0, recorded, replayed })
  }
  return new Promise((resolve) => {
    structuredPatch('', '', a, b, undefined, undefined, {
      context: CONTEXT,
      timeout: DIFF_TIMEOUT_MS,
      maxEditLength: MAX_DIFF_EDIT_LENGTH,
      callback: (patch) => {
        const { hunks, cut } = patch === undefined ? coarse(a, b) : hunksOf(patch)
        resolve({ kind: 'text', lines: { hunks, cut, coarse: patch === undefined } })
      }
    })
  })
}
