// The recent files list: newest first, each path once, at most as many as the menu shows.

import { MAX_RECENT_FILES } from '../../../../shared/shell'

export function withRecent(list: readonly string[], path: string, max = MAX_RECENT_FILES): string[] {
  return [path, ...list.filter((p) => p !== path)].slice(0, max)
}

export function withoutRecent(list: readonly string[], path: string): string[] {
  return list.filter((p) => p !== path)
}

/** The file's name and its folder, for a list that shows names first. */
export function splitPath(path: string): { name: string; folder: string } {
  const at = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'))
  return at < 0 ? { name: path, folder: '' } : { name: path.slice(at + 1), folder: path.slice(0, at + 1) }
}
