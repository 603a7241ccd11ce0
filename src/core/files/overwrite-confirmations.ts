// Replacing a file from a front end is a question the user answers, not a flag the page
// sets: a save onto an existing capture is refused with a one-time token bound to that path
// and to the file as it was (device, inode, size, mtime). The front end asks the user and
// only a confirmed retry sends the token back; a file that changed meanwhile, another
// path, a token used once already or left too long all fail, and the question is asked again.

import { randomBytes } from 'node:crypto'
import { unchanged, type FileIdentity } from './file-target'

/** Long enough to read a dialog and answer it; short enough that a stale token is useless. */
const VALID_MS = 2 * 60_000
/** Unanswered questions kept at once; the oldest goes first. */
const MAX_OPEN = 32

interface Pending {
  path: string
  identity: FileIdentity
  expires: number
}

export class OverwriteConfirmations {
  private readonly pending = new Map<string, Pending>()

  constructor(private readonly now: () => number = Date.now) {}

  /** A token that, sent back once and soon, allows replacing exactly this file at this path. */
  issue(path: string, identity: FileIdentity): string {
    for (const [token, p] of this.pending) if (p.expires <= this.now()) this.pending.delete(token)
    while (this.pending.size >= MAX_OPEN) this.pending.delete(this.pending.keys().next().value!)
    const token = randomBytes(16).toString('hex')
    this.pending.set(token, { path, identity, expires: this.now() + VALID_MS })
    return token
  }

  /** Whether `token` confirms replacing this file at this path; a token is good for one try. */
  take(token: string | undefined, path: string, identity: FileIdentity): boolean {
    if (token === undefined) return false
    const p = this.pending.get(token)
    if (p === undefined) return false
    this.pending.delete(token)
    return p.path === path && p.expires > this.now() && unchanged(p.identity, identity)
  }
}
