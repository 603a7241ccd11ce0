// Turns socket errors into one line that says what went wrong and what to do about it.

import { ERROR_CODES, UserError } from '../../shared/errors'

export { UserError }

export type NetErrorContext = { op: 'listen' | 'connect'; where: string }

/** Why a client was turned away, or a connect failed, for lack of file descriptors. */
export function outOfDescriptors(limit: number | undefined): string {
  const at = limit !== undefined ? ` (limit ${limit})` : ''
  return `tcpscope is out of file descriptors${at}, so this connection was turned away; raise the limit (ulimit -n) or close connections`
}

export function describeNetError(err: NodeJS.ErrnoException, { op, where }: NetErrorContext): string {
  const code = err.code ?? ''
  switch (code) {
    case 'EADDRINUSE':
      return where.includes('/')
        ? `cannot listen on ${where}: the socket path is in use by a running program; pick another path`
        : `cannot listen on ${where}: the port is already in use; stop the other program or pick another port (0 = any free port)`
    case 'EACCES':
    case 'EPERM':
      if (op === 'connect') return `cannot connect to ${where}: permission denied`
      return where.includes('/')
        ? `cannot listen on ${where}: permission denied; pick a socket path in a folder you can write to`
        : `cannot listen on ${where}: permission denied; ports below 1024 need root, so use a port from 1024 up (or a writable socket path)`
    case 'EADDRNOTAVAIL':
      return `cannot ${op === 'listen' ? 'listen on' : 'connect from'} ${where}: that address is not on this machine; use 127.0.0.1, 0.0.0.0 or one of its addresses`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return `unknown host in ${where}: the name does not resolve; check the spelling or use an IP address`
    case 'ECONNREFUSED':
      return `connection refused by ${where}: nothing is listening there; is the server running?`
    case 'ETIMEDOUT':
      return `timed out connecting to ${where}: the host did not answer`
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot reach ${where}: no route to that host`
    case 'ENOENT':
      return op === 'listen'
        ? `cannot listen on ${where}: its folder does not exist`
        : `cannot connect to ${where}: no such socket file; is the server running?`
    case 'ENOTSOCK':
      return `cannot connect to ${where}: that path is not a socket`
    case 'ENAMETOOLONG':
      return `socket path ${where} is too long; use a shorter path (about 100 characters at most)`
    case 'ECONNRESET':
      return `${where} reset the connection`
    case 'EMFILE':
    case 'ENFILE':
      return `cannot ${op} ${op === 'listen' ? 'on' : 'to'} ${where}: tcpscope is out of file descriptors; raise the limit (ulimit -n) or close connections`
    default:
      return `cannot ${op} ${op === 'listen' ? 'on' : 'to'} ${where}: ${err.message}`
  }
}

/** Where a connect was pinned to leave from, when it was (a client's local address and port). */
export interface ConnectFrom {
  localAddress?: string
  localPort?: number
}

/**
 * Why a connect to `where` failed, in one line, for every connect to a target (proxy,
 * client session, replay): a pinned local address or port that is the problem is named as
 * such, not as the target, and a reset before the connect completed says what was lost.
 */
export function describeConnectError(err: NodeJS.ErrnoException, where: string, from: ConnectFrom = {}): string {
  const code = err.code ?? ''
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return `${where} reset the connection as it was accepted; bytes it sent before the reset could not be read`
  }
  const pinned = from.localAddress !== undefined || (from.localPort !== undefined && from.localPort !== 0)
  if (!pinned || (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL')) return describeNetError(err, { op: 'connect', where })
  const local = [from.localAddress, from.localPort ? `port ${from.localPort}` : undefined].filter(Boolean).join(' ')
  const why =
    code === 'EADDRINUSE'
      ? 'that local port is in use'
      : 'that local address is not on this machine, or a connection from that port to the same server is still closing'
  return `cannot connect to ${where} from ${local}: ${why}; pick another local address or port, or leave them out`
}

/** The caller cancelled (its AbortSignal fired). */
export const cancelled = (): UserError => new UserError('cancelled', ERROR_CODES.ECANCELED)

/** The error's code, or a stand-in, for recording. */
export function errorInfo(err: NodeJS.ErrnoException): { code: string; message: string } {
  return { code: err.code ?? 'ERROR', message: err.message }
}
