// Endpoint parsing for commands: a bad address becomes a one-line UserError naming the option.

import { EndpointError, parseEndpoint, type Endpoint } from '../../shared/endpoint'
import { UserError } from './net-errors'

export function parseUserEndpoint(text: string, what: string, defaultHost?: string): Endpoint {
  try {
    return parseEndpoint(text, defaultHost)
  } catch (err) {
    if (err instanceof EndpointError) throw new UserError(`${what}: ${err.message}`)
    throw err
  }
}
