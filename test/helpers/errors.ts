// What every error a person sees must be: one line, no stack trace.
import { expect } from 'vitest'
import { UserError } from '../../src/shared/errors'

export function expectOneLine(message: string): void {
  expect(message).not.toMatch(/\n|\r/)
  expect(message).not.toMatch(/\bat .+:\d+:\d+/)
  expect(message.length).toBeGreaterThan(10)
}

/** Awaits a rejection and returns its message, checked to be one line. */
export async function oneLineRejection(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  )
  if (!(err instanceof Error)) throw new Error('expected a rejection with an Error')
  expectOneLine(err.message)
  return err.message
}

/** Awaits a rejection that must be a one-line UserError (what a person is told), and returns it. */
export async function userRefusal(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => {
      throw new Error('it succeeded')
    },
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(UserError)
  expectOneLine((err as Error).message)
  return err as UserError
}
