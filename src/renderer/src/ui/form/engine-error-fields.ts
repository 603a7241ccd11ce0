// Which field of a form an engine error goes next to (a port in use under Listen, a
// refused connect under Target, a bad reply rule on its row): the engine error's subject
// (shared/error-subject.ts, the path of the argument it is about) mapped to the form's
// field by one small table per form. What no field claims is shown for the form as a whole.

import { EngineError } from '../../../../shared/errors'
import { errorSubject } from '../../../../shared/error-subject'
import { FORM } from './field-problems'

/** An argument path pattern and the field it belongs to (or how to name it from the match). */
export type FieldRoute = [path: RegExp, field: string | ((m: RegExpExecArray) => string)]

export interface RoutedError {
  field: string
  text: string
}

/** The field the error's subject belongs to, else the form; anything thrown becomes an EngineError. */
export function routeEngineError(err: unknown, routes: readonly FieldRoute[]): RoutedError {
  const e = err instanceof EngineError ? err : new EngineError('EINTERNAL', err instanceof Error ? err.message : String(err))
  const subject = errorSubject(e)
  if (subject !== undefined) {
    for (const [path, field] of routes) {
      const m = path.exec(subject)
      if (m) return { field: typeof field === 'string' ? field : field(m), text: e.message }
    }
  }
  return { field: FORM, text: e.message }
}

/** `s` as a regular expression matching it literally (an argument path: dots and brackets). */
export const escapePath = (s: string): string => s.replace(/[.[\]]/g, '\\$&')

/** Fields named as their argument, each owning its path and everything under it. */
export const sameNames = (...names: string[]): FieldRoute[] => names.map((n) => [new RegExp(`^${escapePath(n)}(\\.|\\[|$)`), n])
