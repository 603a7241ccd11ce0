// Endpoint parsing for commands: a bad address becomes a one-line UserError naming the option.

import { EndpointError, parseConnectEndpoint, parseEndpoint, type Endpoint } from '../../shared/endpoint'
import { UserError } from './net-errors'

function named(what: string, parse: () => Endpoint): Endpoint {
  try {
    return parse()
  } catch (err) {
    if (err instanceof EndpointError) throw new UserError(`${what}: ${err.message}`, 'EINVAL')
    throw err
  }
}

export const parseUserEndpoint = (text: string, what: string, defaultHost?: string): Endpoint => named(what, () => parseEndpoint(text, defaultHost))

/** Where to connect: port 0 means "any free port" only when listening. */
export const parseTargetEndpoint = (text: string, what: string): Endpoint => named(what, () => parseConnectEndpoint(text))
