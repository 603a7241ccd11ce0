// Byte-for-byte equality, the one test of "unchanged" for edits, previews and diffs.

/** True when both arrays hold the same bytes in the same order. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
