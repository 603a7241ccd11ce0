// Where a typed save name lands, shown before the engine writes it: the engine resolves a
// relative name in its save folder (core/save-folder.ts), and the dialog says so in advance.

/** A path that names its folder itself: `/x`, `~/x`, `C:\x`, `\\server\x`. */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('~') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\')
}

/** The path a typed name means, in `folder` when it is relative (with the folder's own separator). */
export function savePathIn(folder: string | undefined, typed: string): string {
  if (!folder || isAbsolutePath(typed)) return typed
  const sep = folder.includes('\\') && !folder.includes('/') ? '\\' : '/'
  return folder.endsWith(sep) ? folder + typed : folder + sep + typed
}
