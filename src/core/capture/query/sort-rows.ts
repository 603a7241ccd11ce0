// Rows of a list (connections, exchanges) in the order of a key, stable: both lists sort
// every row they show, as often as a page is asked for, so the common case sorts natively.

/**
 * Rows ordered by their keys (ties in row order, whichever the direction: a stable list
 * as it grows). Whole-number keys, the common case, are packed with their row into one
 * double and sorted natively, three times faster than a comparator over 100,000 rows.
 */
function sortRows(rows: Uint32Array, keys: Array<number | string>, descending: boolean): Uint32Array {
  const n = rows.length
  const rowBits = Math.max(1, Math.ceil(Math.log2(n + 1)))
  let min = Infinity
  let max = -Infinity
  let packable = true
  // Keys already in the order asked for (ties in row order): a list by id, the default, is
  // in row order already, and sorting it took a quarter of a filter over 100,000 rows.
  let inOrder = true
  let last = descending ? Infinity : -Infinity
  for (const k of keys) {
    if (typeof k !== 'number' || !Number.isInteger(k)) {
      packable = false
      break
    }
    if (k < min) min = k
    if (k > max) max = k
    if (descending ? k > last : k < last) inOrder = false
    last = k
  }
  if (packable && inOrder) return rows.slice()
  if (packable && n > 0 && (max - min + 1) * 2 ** rowBits < 2 ** 53) {
    const scale = 2 ** rowBits
    const packed = new Float64Array(n)
    for (let i = 0; i < n; i++) packed[i] = ((descending ? max - (keys[i] as number) : (keys[i] as number) - min) * scale) + i
    packed.sort()
    const sorted = new Uint32Array(n)
    for (let i = 0; i < n; i++) sorted[i] = rows[packed[i] % scale]
    return sorted
  }
  const dir = descending ? -1 : 1
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  order.sort((a, b) => {
    const ka = keys[a]
    const kb = keys[b]
    const c = typeof ka === 'number' ? ka - (kb as number) : ka < kb ? -1 : ka > kb ? 1 : 0
    return c !== 0 ? c * dir : a - b
  })
  const sorted = new Uint32Array(n)
  for (let i = 0; i < n; i++) sorted[i] = rows[order[i]]
  return sorted
}

/** `rows` (in row order) sorted by `keyOf`, ties in row order. */
export function sortRowsBy(rows: Uint32Array, keyOf: (row: number) => number | string, descending: boolean): Uint32Array {
  // Loops, not Array.from with a mapper: that is several times slower over 100,000 rows.
  const keys = new Array<number | string>(rows.length)
  for (let i = 0; i < rows.length; i++) keys[i] = keyOf(rows[i])
  return sortRows(rows, keys, descending)
}
