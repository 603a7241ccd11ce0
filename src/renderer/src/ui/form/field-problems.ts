// What is wrong with a form, field by field: problems found before asking the engine (a
// required field left empty, a number out of range) carry a message key to translate;
// the engine's own one-line errors carry its text, shown as it is.

import { EndpointError, parseEndpoint } from '../../../../shared/endpoint'

export type FieldProblem = { key: string; params?: Record<string, string | number> } | { text: string }
/** Field name -> its problem; `form` is the form as a whole. */
export type FieldProblems = Record<string, FieldProblem>

export const FORM = 'form'

/** The outcome of checking a form: the command's arguments, or what to fix. */
export type Checked<T> = { ok: true; args: T } | { ok: false; problems: FieldProblems }

export const checked = <T>(args: T, problems: FieldProblems): Checked<T> =>
  Object.keys(problems).length === 0 ? { ok: true, args } : { ok: false, problems }

/** A text field that must not be empty; returns it trimmed. */
export function requiredText(value: string, field: string, problems: FieldProblems): string {
  const v = value.trim()
  if (v === '') problems[field] = { key: 'form.problem.required' }
  return v
}

/** An optional whole number: empty means "not given" (the engine's default applies). */
export function optionalWhole(value: string, field: string, min: number, max: number, problems: FieldProblems): number | undefined {
  const v = value.trim()
  if (v === '') return undefined
  const n = /^\d+$/.test(v) ? Number(v) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    problems[field] = { key: 'form.problem.whole', params: { min, max } }
    return undefined
  }
  return n
}

/**
 * An address as the engine will parse it (shared/endpoint.ts, so both accept exactly the
 * same forms): `listening` allows a port alone and port 0; a target needs a host and a port.
 */
export function endpointText(value: string, field: string, listening: boolean, problems: FieldProblems): string {
  const v = requiredText(value, field, problems)
  if (v === '') return v
  try {
    const ep = parseEndpoint(v, listening ? '127.0.0.1' : undefined)
    if (!listening && ep.kind === 'tcp' && ep.port === 0) problems[field] = { key: 'form.problem.portZero' }
  } catch (err) {
    if (!(err instanceof EndpointError)) throw err
    problems[field] = { text: err.message }
  }
  return v
}
