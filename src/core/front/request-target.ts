// A request's target as web mode reads it, before anything else looks at the request: only
// the origin form ("/path?query"), its path %-decoded, and undefined for anything else
// (absolute or authority form, "*", a bad %-escape, a control character such as NUL).
// The caller answers undefined with 400, whether or not the request has the token: one
// `GET http://[x` from any local process must not be able to throw.

export function targetPath(target: string | undefined): string | undefined {
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) return undefined
  const end = target.search(/[?#]/)
  let path: string
  try {
    path = decodeURIComponent(end < 0 ? target : target.slice(0, end))
  } catch {
    return undefined
  }
  // Controls (NUL above all) never name a file of the UI.
  return /[\u0000-\u001f\u007f]/.test(path) ? undefined : path
}
