// The one line for an exchange index a connection does not have, where indices count from 0
// (the engine's, `export --exchange`, `rules from --exchange`): `show` and `replay` count
// from 1, so the line says how these count rather than only how many there are.
import { ERROR_CODES, UserError } from '../../shared/errors'

export function missingExchange(connId: number, exchange: number, total: number, code: string = ERROR_CODES.EINVAL): UserError {
  const which = total === 1 ? 'its one is numbered 0 here' : `its ${total} are numbered 0 to ${total - 1} here`
  return new UserError(`connection #${connId} has no HTTP exchange ${exchange}: ${which}`, code)
}
