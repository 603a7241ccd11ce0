// Stream offsets as people type and read them: decimal or 0x hex in, zero-padded hex out.

export type OffsetParse = { offset: number } | { error: 'empty' | 'bad' | 'range' }

/** `4096`, `0x1000`, `1_000` (spaces and underscores ignored) → an offset below `total`. */
export function parseOffset(input: string, total: number): OffsetParse {
  const s = input.replace(/[\s_]/g, '')
  if (!s) return { error: 'empty' }
  let n: number
  if (/^0x[0-9a-f]+$/i.test(s)) n = parseInt(s.slice(2), 16)
  else if (/^\d+$/.test(s)) n = Number(s)
  else return { error: 'bad' }
  if (!Number.isSafeInteger(n) || n >= Math.max(total, 1)) return { error: 'range' }
  return { offset: n }
}

/** Hex digits an offset column needs for a stream this long: 8, or more past 4 GiB. */
export const offsetDigits = (total: number): number => Math.max(8, Math.max(total - 1, 0).toString(16).length)

export const hexOffset = (n: number, digits = 8): string => n.toString(16).padStart(digits, '0')
