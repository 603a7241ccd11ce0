// Which field of a form an engine error is about, so it shows next to that field (a port
// in use under Listen, a refused connect under Target, a bad reply rule on its row). One
// table of routes per form, built from the shared ones here; what no route claims is
// shown for the form as a whole.

import { EngineError } from '../../../shared/errors'
import { FORM } from './field-problems'

export interface ErrorRoute {
  /** The field, or how to name it from the match (e.g. the row of a reply rule). */
  field: string | ((m: RegExpExecArray) => string)
  /** The argument's path in a validation error (`invalid arguments for CMD: PATH: ...`). */
  path?: RegExp
  /** The engine's wording. */
  message?: RegExp
  /** Error codes that always concern this field. */
  codes?: readonly string[]
}

export interface RoutedError {
  field: string
  text: string
}

const VALIDATION = /^invalid arguments for [\w.]+: ([\w.[\]]+):/

function matchRoute(route: ErrorRoute, err: EngineError, path: string | undefined): RegExpExecArray | undefined {
  const m = (path !== undefined && route.path?.exec(path)) || route.message?.exec(err.message)
  if (m) return m
  if (route.codes?.includes(err.code)) return Object.assign([err.code], { index: 0, input: err.code }) as RegExpExecArray
  return undefined
}

/** The field the first matching route names, else the form; anything thrown becomes an EngineError. */
export function routeEngineError(err: unknown, routes: readonly ErrorRoute[]): RoutedError {
  const e = err instanceof EngineError ? err : new EngineError('EINTERNAL', err instanceof Error ? err.message : String(err))
  const path = VALIDATION.exec(e.message)?.[1]
  for (const route of routes) {
    const m = matchRoute(route, e, path)
    if (m) return { field: typeof route.field === 'string' ? route.field : route.field(m), text: e.message }
  }
  return { field: FORM, text: e.message }
}

/** Where to listen: its syntax (`--listen: ...`) and the socket's refusals. */
export const LISTEN_ROUTES: readonly ErrorRoute[] = [
  {
    field: 'listen',
    path: /^listen$/,
    message: /^--listen:|^cannot listen on|^socket path .* is too long/,
    codes: ['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']
  }
]

/** Where to connect: its syntax and every way a connect fails. */
export const TARGET_ROUTES: readonly ErrorRoute[] = [
  {
    field: 'target',
    path: /^target$/,
    message: /^(--)?target:|^cannot connect to|^connection refused by|^timed out connecting|^unknown host in|^cannot reach/,
    codes: ['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']
  }
]

/** Arguments named by their path in a validation error, for fields that map one to one. */
export const pathRoutes = (fields: Record<string, string>): ErrorRoute[] =>
  Object.entries(fields).map(([path, field]) => ({ field, path: new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}(\\.|\\[|$)`) }))

/** A server's behaviour, under `prefix` in the arguments (`behaviour.` for server.start and server.behaviour). */
export const behaviourRoutes = (prefix: string): ErrorRoute[] => {
  const p = prefix.replace(/\./g, '\\.')
  return [
    { field: (m) => `rule.${Number(m[1]) - 1}`, message: /^reply rule (\d+):/ },
    { field: (m) => `rule.${m[1]}`, path: new RegExp(`^${p}rules\\[(\\d+)\\]`) },
    { field: 'http.headers', message: /^bad HTTP header/, path: new RegExp(`^${p}http\\.headers`) },
    { field: 'http.status', path: new RegExp(`^${p}http\\.status`) },
    { field: 'http.body', path: new RegExp(`^${p}http\\.body`) },
    { field: 'interval.everyMs', path: new RegExp(`^${p}interval\\.everyMs`) },
    { field: 'interval.count', path: new RegExp(`^${p}interval\\.count`) },
    { field: 'interval.data', path: new RegExp(`^${p}interval\\.payload`) }
  ]
}
