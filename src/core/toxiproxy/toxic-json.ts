// Toxics as the Toxiproxy API reads and writes them: `{name, type, stream, toxicity,
// attributes}`, its defaults (downstream, toxicity 1, name `<type>_<stream>`) and its error
// messages, turned into the engine's toxic.add / toxic.update arguments and checked against
// the contract before the engine sees them.

import { validateArgs, type CommandArgs } from '../../shared/contract'
import { TOXIC_STREAMS, TOXIC_TYPES, type Toxic, type ToxicStream } from '../../shared/fault-types'
import { BAD_REQUEST_BODY, INVALID_STREAM, INVALID_TOXIC_TYPE } from './api-errors'

export interface ToxicJson {
  name: string
  type: string
  stream: string
  toxicity: number
  attributes: Record<string, number>
  /** tcpscope's: present only when the toxic is paused, so Toxiproxy's shape stays as it is otherwise. */
  enabled?: boolean
}

export function toxicJson(t: Toxic): ToxicJson {
  return { name: t.name, type: t.type, stream: t.stream, toxicity: t.toxicity, attributes: { ...t.attributes }, ...(t.enabled ? {} : { enabled: false }) }
}

const isStream = (v: unknown): v is ToxicStream => typeof v === 'string' && (TOXIC_STREAMS as readonly string[]).includes(v)

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The body must be a JSON object; Toxiproxy's decoder says the same for anything else. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw BAD_REQUEST_BODY.because('expected a JSON object')
  return body
}

/** Fields tcpscope adds to Toxiproxy's (a paused toxic, a connection match), passed on only when given. */
function extras(body: Record<string, unknown>): Record<string, unknown> {
  return { ...(body.enabled !== undefined ? { enabled: body.enabled } : {}), ...(body.match !== undefined ? { match: body.match } : {}) }
}

/** POST /proxies/{proxy}/toxics: the engine's toxic.add arguments, checked. */
export function toxicAddArgs(proxyId: string, raw: unknown): CommandArgs<'toxic.add'> {
  const body = objectBody(raw)
  const stream = body.stream ?? 'downstream'
  if (!isStream(stream)) throw INVALID_STREAM
  if (typeof body.type !== 'string' || !(TOXIC_TYPES as readonly string[]).includes(body.type)) throw INVALID_TOXIC_TYPE
  const name = body.name === undefined || body.name === '' ? `${body.type}_${stream}` : body.name
  const toxic = { name, type: body.type, stream, toxicity: body.toxicity ?? 1, attributes: body.attributes ?? {}, ...extras(body) }
  return validateArgs('toxic.add', { proxyId, toxic })
}

/**
 * POST|PATCH /proxies/{proxy}/toxics/{toxic}: the engine's toxic.update arguments, checked.
 * Attributes merge into the toxic's, as Toxiproxy decodes the body over a copy of it.
 */
export function toxicUpdateArgs(proxyId: string, current: Toxic, raw: unknown): CommandArgs<'toxic.update'> {
  const body = objectBody(raw)
  const attributes = body.attributes === undefined ? undefined : isObject(body.attributes) ? { ...current.attributes, ...body.attributes } : body.attributes
  if (body.stream !== undefined && !isStream(body.stream)) throw INVALID_STREAM
  const args = {
    proxyId,
    name: current.name,
    ...(body.toxicity !== undefined ? { toxicity: body.toxicity } : {}),
    ...(attributes !== undefined ? { attributes } : {}),
    ...(body.stream !== undefined ? { stream: body.stream } : {}),
    ...extras(body)
  }
  return validateArgs('toxic.update', args)
}
