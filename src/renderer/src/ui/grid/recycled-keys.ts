/**
 * Keys for the rows of a virtual list that recycle elements: a row that stays on screen keeps
 * its key (so its element is left alone: a live list moving by a row or two changes only
 * those), and a row that comes into view takes the key of one that left (so a fast scroll
 * changes the text of existing elements rather than making new ones). There are never more
 * keys than the most rows shown at once.
 */
export function recycledKeys(): (indices: readonly number[]) => number[] {
  let keyOf = new Map<number, number>()
  let made = 0
  return (indices) => {
    const next = new Map<number, number>()
    const used = new Set<number>()
    for (const i of indices) {
      const k = keyOf.get(i)
      if (k !== undefined) {
        next.set(i, k)
        used.add(k)
      }
    }
    const free: number[] = []
    for (let k = made - 1; k >= 0; k--) if (!used.has(k)) free.push(k)
    const keys = indices.map((i) => {
      let k = next.get(i)
      if (k === undefined) {
        k = free.pop() ?? made++
        next.set(i, k)
      }
      return k
    })
    keyOf = next
    return keys
  }
}
