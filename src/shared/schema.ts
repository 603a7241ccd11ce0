// A tiny runtime schema: each command's arguments are described once, giving both the
// TypeScript type and the check that IPC and WebSocket handlers run on untrusted input.

import { ERROR_CODES, UserError } from './errors'

/** Arguments that do not fit a command's schema. */
export class ValidationError extends UserError {
  constructor(message: string) {
    super(message, ERROR_CODES.EINVAL)
  }
}

export interface Schema<T> {
  readonly parse: (value: unknown, path: string) => T
  readonly optional?: boolean
}
export type Infer<S> = S extends Schema<infer T> ? T : never

/** A value of the wrong type: what it was is its type, which is what was wrong. */
const fail = (path: string, want: string, got: unknown): never => {
  const shown = got === null ? 'null' : Array.isArray(got) ? 'an array' : typeof got
  return outOfBounds(path, want, shown)
}

/** A value of the right type out of bounds: what it was is said (`got 2`, `got ""`), not its type again. */
const outOfBounds = (path: string, want: string, shown: string): never => {
  throw new ValidationError(`${path || 'argument'}: expected ${want}, got ${shown}`)
}

export const str = (opts: { max?: number; nonEmpty?: boolean } = {}): Schema<string> => ({
  parse: (v, path) => {
    if (typeof v !== 'string') return fail(path, 'a string', v)
    if (opts.nonEmpty && v.length === 0) return outOfBounds(path, 'a non-empty string', 'an empty one')
    if (opts.max !== undefined && v.length > opts.max) return outOfBounds(path, `at most ${opts.max} characters`, String(v.length))
    return v
  }
})

export const int = (opts: { min?: number; max?: number } = {}): Schema<number> => ({
  parse: (v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return fail(path, 'a whole number', v)
    if (opts.min !== undefined && v < opts.min) return outOfBounds(path, `a number >= ${opts.min}`, String(v))
    if (opts.max !== undefined && v > opts.max) return outOfBounds(path, `a number <= ${opts.max}`, String(v))
    return v
  }
})

/** A finite number (a fraction allowed). */
export const num = (opts: { min?: number; max?: number } = {}): Schema<number> => ({
  parse: (v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(path, 'a number', v)
    if (opts.min !== undefined && v < opts.min) return outOfBounds(path, `a number >= ${opts.min}`, String(v))
    if (opts.max !== undefined && v > opts.max) return outOfBounds(path, `a number <= ${opts.max}`, String(v))
    return v
  }
})

export const bool = (): Schema<boolean> => ({
  parse: (v, path) => (typeof v === 'boolean' ? v : fail(path, 'true or false', v))
})

export const oneOf = <const T extends readonly string[]>(values: T): Schema<T[number]> => ({
  parse: (v, path) =>
    typeof v === 'string' && (values as readonly string[]).includes(v)
      ? (v as T[number])
      : typeof v === 'string'
        ? outOfBounds(path, `one of ${values.join(', ')}`, JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v))
        : fail(path, `one of ${values.join(', ')}`, v)
})

export type OptionalSchema<T> = Schema<T | undefined> & { readonly optional: true }

export const optional = <T>(inner: Schema<T>): OptionalSchema<T> => ({
  optional: true,
  parse: (v, path) => (v === undefined ? undefined : inner.parse(v, path))
})

type Shape = Record<string, Schema<unknown>>
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { readonly optional: true } ? K : never }[keyof S]
export type ObjectOf<S extends Shape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & {
  [K in OptionalKeys<S>]?: Infer<S[K]>
}

export const obj = <S extends Shape>(shape: S): Schema<ObjectOf<S>> => ({
  parse: (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(path, 'an object', v)
    const input = v as Record<string, unknown>
    for (const key of Object.keys(input)) {
      if (!(key in shape)) throw new ValidationError(`${path ? path + '.' : ''}${key}: unknown field`)
    }
    const out: Record<string, unknown> = {}
    for (const [key, schema] of Object.entries(shape)) {
      const parsed = schema.parse(input[key], path ? `${path}.${key}` : key)
      if (parsed !== undefined) out[key] = parsed
    }
    return out as ObjectOf<S>
  }
})

export const arr = <T>(item: Schema<T>, opts: { max?: number } = {}): Schema<T[]> => ({
  parse: (v, path) => {
    if (!Array.isArray(v)) return fail(path, 'an array', v)
    if (opts.max !== undefined && v.length > opts.max) return outOfBounds(path, `at most ${opts.max} items`, String(v.length))
    return v.map((x, i) => item.parse(x, `${path}[${i}]`))
  }
})

export const none = (): Schema<void> & { readonly optional: true } => ({
  optional: true,
  parse: (v, path) => (v === undefined || v === null ? undefined : fail(path, 'no argument', v))
})

/** Raw bytes: a Uint8Array, which the envelope carries as an attachment (wire.ts). */
export const bytes = (opts: { max?: number } = {}): Schema<Uint8Array> => ({
  parse: (v, path) => {
    if (!(v instanceof Uint8Array)) return fail(path, 'bytes', v)
    if (opts.max !== undefined && v.length > opts.max) throw new ValidationError(`${path || 'argument'}: expected at most ${opts.max} bytes, got ${v.length}`)
    return v
  }
})

/** An object of named numbers (a toxic's attributes): names of at most 64 characters, at most `maxKeys` of them. */
export const numberMap = (opts: { min?: number; maxKeys?: number } = {}): Schema<Record<string, number>> => ({
  parse: (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(path, 'an object of numbers', v)
    const entries = Object.entries(v as Record<string, unknown>)
    if (entries.length > (opts.maxKeys ?? 16)) return outOfBounds(path, `at most ${opts.maxKeys ?? 16} fields`, String(entries.length))
    const out: Record<string, number> = {}
    for (const [k, n] of entries) {
      const at = `${path ? path + '.' : ''}${k}`
      if (k.length > 64) return fail(path, 'field names of at most 64 characters', v)
      if (typeof n !== 'number' || !Number.isFinite(n)) return fail(at, 'a number', n)
      if (opts.min !== undefined && n < opts.min) return fail(at, `at least ${opts.min}`, n)
      out[k] = n
    }
    return out
  }
})
