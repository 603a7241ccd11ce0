// The recent files list: newest first, each path once, at most as many as the menu shows.

import { MAX_RECENT_FILES } from '../../../../shared/shell'

export function withRecent(list: readonly string[], path: string, max = MAX_RECENT_FILES): string[] {
  return [path, ...list.filter((p) => p !== path)].slice(0, max)
}

export function withoutRecent(list: readonly string[], path: string): string[] {
  return list.filter((p) => p !== path)
}

/**
 * `kept` (another copy of the list, read while this one changed) with this list's changes
 * since `before` made to it too: files opened meanwhile first, in their order, and files
 * forgotten meanwhile gone.
 */
export function withChangesSince(kept: readonly string[], before: readonly string[], now: readonly string[]): string[] {
  let out = kept.filter((p) => now.includes(p) || !before.includes(p))
  // Opened meanwhile: the front of `now` before the rest, which is `before` in its order with
  // some left out (opening puts a file first; forgetting takes one out).
  let opened = now.length
  for (let i = now.length - 1, j = before.length - 1; i >= 0; i--) {
    const at = j < 0 ? -1 : before.lastIndexOf(now[i], j)
    if (at < 0) break
    j = at - 1
    opened = i
  }
  for (const p of now.slice(0, opened).reverse()) out = withRecent(out, p)
  return out
}

/** The file's name and its folder, for a list that shows names first. */
export function splitPath(path: string): { name: string; folder: string } {
  const at = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'))
  return at < 0 ? { name: path, folder: '' } : { name: path.slice(at + 1), folder: path.slice(0, at + 1) }
}
