// The exit codes a script can tell apart. 0 and 1 keep their usual sense (and connect
// --expect's: matched, not matched); 3 and 4 say how a connection went wrong.

export const EXIT = {
  ok: 0,
  /** Something failed; for connect --expect, no reply matched. */
  failed: 1,
  usage: 2,
  /** connect: no connection was made (refused, timed out, unreachable, unknown host). */
  notConnected: 3,
  /** connect: the server reset the connection. */
  reset: 4,
  /** replay: the target answered, but some turn's answer differed from the recording. */
  differed: 5
  // 70 (bin/tcpscope.js, which cannot import this): the process ran out of work while the
  // command still waited, a bug in tcpscope said as one, not a silent 0.
} as const

/** A one-line failure that ends the command with a chosen exit code. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number
  ) {
    super(message)
  }
}
