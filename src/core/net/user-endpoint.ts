// Endpoint parsing for commands: a bad address becomes a one-line UserError naming the option.

import { EndpointError, parseEndpoint, type Endpoint } from '../../shared/endpoint'
import { UserError } from './net-errors'

export function parseUserEndpoint(text: string, what: string, defaultHost?: string): Endpoint {
  try {
    return parseEndpoint(text, defaultHost)
  } catch (err) {
    if (err instanceof EndpointError) throw new UserError(`${what}: ${err.message}`, 'EINVAL')
    throw err
  }
}

/** Where to connect: port 0 means "any free port" only when listening. */
export function parseTargetEndpoint(text: string, what: string): Endpoint {
  const ep = parseUserEndpoint(text, what)
  if (ep.kind === 'tcp' && ep.port === 0) throw new UserError(`${what}: bad port in "${text}": connect to a port from 1 to 65535 (0 only means "any" when listening)`, 'EINVAL')
  return ep
}
