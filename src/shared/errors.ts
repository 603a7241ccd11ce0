// The one error a user can cause, as every front end receives it: a stable `code` to act
// on and a one-line `message` to show as it is. Anything else that goes wrong is a bug:
// the engine logs it with its stack and front ends see only `EINTERNAL`.

/**
 * Codes of tcpscope's own; errors that come from the operating system keep its name
 * (`EADDRINUSE`, `ECONNREFUSED`, `ENOENT`, `EACCES`, `EMFILE`, ...).
 */
export const ERROR_CODES = {
  /** Arguments that do not fit the command (a type, a range, an unknown field). */
  EINVAL: 'EINVAL',
  /** A payload that makes no bytes: a bad hex digit, escape, encoding, a missing file. */
  EPAYLOAD: 'EPAYLOAD',
  /** No connection with that id in that capture. */
  ENOCONN: 'ENOCONN',
  /** No open capture with that id. */
  ENOCAPTURE: 'ENOCAPTURE',
  /** The file is not a tcpscope capture, or one this version cannot read. */
  ENOTCAPTURE: 'ENOTCAPTURE',
  /** A file is there and will not be replaced without being told to. */
  EEXIST: 'EEXIST',
  /** Another tcpscope is recording that capture. */
  ELOCKED: 'ELOCKED',
  /** A FIFO, device or socket where a file was expected (it is never opened). */
  ENOTFILE: 'ENOTFILE',
  /** A record of a capture file fails its check (header CRC, type, length): the file is damaged there. */
  EDAMAGED: 'EDAMAGED',
  /** Bytes asked for were forwarded but not kept (a gap: the disk was slower than the traffic); they are nowhere to read. */
  ENOTKEPT: 'ENOTKEPT',
  /** Not allowed through this front end (e.g. reading the host's files from a browser). */
  EFORBIDDEN: 'EFORBIDDEN',
  /** The caller cancelled the command. */
  ECANCELED: 'ECANCELED',
  /** The thing exists but is not in a state that allows this (closed, stopped, shutting down). */
  ESTATE: 'ESTATE',
  /** A bug: details are in the engine's log. */
  EINTERNAL: 'EINTERNAL'
} as const

export interface ErrorInfoWire {
  code: string
  message: string
  /**
   * With EEXIST from capture.save: a one-time token that replaces exactly that file, sent
   * back only once the user has confirmed (the page cannot overwrite on its own).
   */
  confirm?: string
}

export class UserError extends Error {
  constructor(
    message: string,
    readonly code: string = ERROR_CODES.EINVAL,
    readonly confirm?: string
  ) {
    super(message)
    this.name = 'UserError'
  }

  toWire(): ErrorInfoWire {
    return { code: this.code, message: this.message, ...(this.confirm !== undefined ? { confirm: this.confirm } : {}) }
  }
}

/** What the caller sees of any error: a user error as it is, anything else as internal. */
export function toWireError(err: unknown, what: string): ErrorInfoWire {
  if (err instanceof UserError) return { ...err.toWire(), message: oneLine(err.message) }
  return { code: ERROR_CODES.EINTERNAL, message: `${what} failed: internal error (details are in tcpscope's log)` }
}

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim()
}

/** An error received from the engine, rebuilt on the caller's side with its code. */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** See ErrorInfoWire.confirm. */
    readonly confirm?: string
  ) {
    super(message)
    this.name = 'EngineError'
  }
}
