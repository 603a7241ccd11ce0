// Long runs of unchanged lines (or byte rows) in a diff, folded to one "N unchanged" line with
// a few lines of context kept either side of each change, as `git diff` shows them.

export type DiffSegment = { kind: 'item'; index: number } | { kind: 'fold'; from: number; count: number }

/** Lines of context kept next to a change. */
export const DIFF_CONTEXT = 3

/**
 * The items to show: `same(i)` says item i is unchanged; a run of unchanged items longer
 * than twice the context plus one is folded, unless `open` holds the index its fold starts at.
 */
export function foldUnchanged(count: number, same: (i: number) => boolean, open: ReadonlySet<number>, context = DIFF_CONTEXT): DiffSegment[] {
  const out: DiffSegment[] = []
  let i = 0
  while (i < count) {
    if (!same(i)) {
      out.push({ kind: 'item', index: i++ })
      continue
    }
    let end = i
    while (end < count && same(end)) end++
    // The context kept: after the change before this run, before the change after it.
    const keepHead = i === 0 ? 0 : context
    const keepTail = end === count ? 0 : context
    const from = i + keepHead
    const to = end - keepTail
    if (to - from > 1 && !open.has(from)) {
      for (let k = i; k < from; k++) out.push({ kind: 'item', index: k })
      out.push({ kind: 'fold', from, count: to - from })
      for (let k = to; k < end; k++) out.push({ kind: 'item', index: k })
    } else for (let k = i; k < end; k++) out.push({ kind: 'item', index: k })
    i = end
  }
  return out
}
