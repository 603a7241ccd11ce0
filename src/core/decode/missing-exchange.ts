// The one line for an exchange a connection does not have. The engine's arguments count
// exchanges from 0; what a person reads counts them from 1, as the UI, `show`, `replay`,
// `export --exchange` and `rules from --exchange` do.
import { ERROR_CODES, UserError } from '../../shared/errors'

/** Exchange `exchange` (from 0) is not among the connection's `total`. */
export function missingExchange(connId: number, exchange: number, total: number, code: string = ERROR_CODES.EINVAL): UserError {
  return new UserError(`connection #${connId} has no HTTP exchange ${exchange + 1} (it has ${total})`, code)
}
