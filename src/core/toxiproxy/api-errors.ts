// The Toxiproxy API's errors, with its messages and status codes (Toxiproxy 2.x api.go), and
// the one place an engine error becomes one: a bad argument is a 400, anything else a 500,
// always as `{"error": "...", "status": N}` on one line.

import { ERROR_CODES, UserError } from '../../shared/errors'

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /** Toxiproxy's `joinError`: the wrapper's message, then the reason. */
  because(reason: string): ApiError {
    return new ApiError(`${this.message}: ${reason}`, this.status)
  }
}

export const BAD_REQUEST_BODY = new ApiError('bad request body', 400)
export const MISSING_FIELD = new ApiError('missing required field', 400)
export const PROXY_NOT_FOUND = new ApiError('proxy not found', 404)
export const PROXY_ALREADY_EXISTS = new ApiError('proxy already exists', 409)
export const INVALID_STREAM = new ApiError('stream was invalid, can be either upstream or downstream', 400)
export const INVALID_TOXIC_TYPE = new ApiError('invalid toxic type', 400)
export const TOXIC_ALREADY_EXISTS = new ApiError('toxic already exists', 409)
export const TOXIC_NOT_FOUND = new ApiError('toxic not found', 404)

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim()

/** Any error a handler met, as the API answers it; never a stack. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  // A contract check (ValidationError) or a bad address: the request's fault.
  if (err instanceof UserError && err.code === ERROR_CODES.EINVAL) return BAD_REQUEST_BODY.because(oneLine(err.message))
  const message = err instanceof Error ? err.message : String(err)
  return new ApiError(oneLine(message) || 'internal error', 500)
}
