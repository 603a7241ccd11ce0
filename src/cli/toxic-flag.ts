// `--toxic 'TYPE:attr=value,...'` as `tcpscope proxy` takes it: Toxiproxy's type and
// attribute names, plus stream, toxicity, name and match, read into the toxic.add spec. A
// comma inside a value is written `\,`, as --break takes it. Mistakes are caught here, in one
// line, before the proxy starts.

import { TOXIC_ATTRIBUTES, TOXIC_STREAMS, TOXIC_TYPES, toxicSpec, type ToxicSpec, type ToxicStream, type ToxicType } from '../shared/fault-types'
import { UsageError } from './args'
import { splitPairs } from './flag-pairs'
import { checkToxicFlag } from './start-checks'

export const TOXIC_FLAG_ARG = "'TYPE[:attr=value,...]'"

/** What --help says about --toxic. */
export const TOXIC_FLAG_ABOUT =
  `inject a fault (repeatable), with Toxiproxy's names: ${TOXIC_TYPES.map((t) => (TOXIC_ATTRIBUTES[t].length > 0 ? `${t} (${TOXIC_ATTRIBUTES[t].join(', ')})` : t)).join(', ')}; ` +
  'plus stream=upstream|downstream|both (default downstream: what the target sends), toxicity=0..1 (the chance a connection is affected, default 1), name=N, ' +
  "match=WORDS (the list's connection words port: client: sni: id:, and text:; a comma inside a value is written \\,); " +
  "e.g. --toxic 'latency:latency=200,jitter=50,stream=downstream'"

export function parseToxicFlag(text: string): ToxicSpec {
  const bad = (why: string): never => {
    throw new UsageError(`proxy: --toxic '${text}': ${why}`)
  }
  const colon = text.indexOf(':')
  const type = (colon < 0 ? text : text.slice(0, colon)).trim()
  if (!(TOXIC_TYPES as readonly string[]).includes(type)) bad(`unknown type "${type}"; the types are ${TOXIC_TYPES.join(', ')}`)
  const spec: Record<string, unknown> = { type }
  const attributes: Record<string, number> = {}
  const known = TOXIC_ATTRIBUTES[type as ToxicType]
  for (const pair of colon < 0 ? [] : splitPairs(text.slice(colon + 1))) {
    const eq = pair.indexOf('=')
    if (eq < 0) bad(`"${pair}" is not name=value`)
    const key = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    if (key === 'name') spec.name = value
    else if (key === 'match') spec.match = value
    else if (key === 'stream') {
      if (!(TOXIC_STREAMS as readonly string[]).includes(value)) bad(`stream is ${TOXIC_STREAMS.join(', ')}; got "${value}"`)
      spec.stream = value as ToxicStream
    } else if (key === 'toxicity') spec.toxicity = numberOf(key, value, bad)
    else if (known.includes(key)) attributes[key] = numberOf(key, value, bad)
    else bad(`${type} has no attribute "${key}"; it takes ${[...known, 'stream', 'toxicity', 'name', 'match'].join(', ')}`)
  }
  if (Object.keys(attributes).length > 0) spec.attributes = attributes
  let parsed: ToxicSpec
  try {
    parsed = toxicSpec.parse(spec, 'toxic')
  } catch (err) {
    return bad(err instanceof Error ? err.message : String(err))
  }
  return checkToxicFlag(`proxy: --toxic '${text}'`, parsed)
}

function numberOf(key: string, value: string, bad: (why: string) => never): number {
  const n = Number(value)
  if (value === '' || !Number.isFinite(n) || n < 0) bad(`${key} wants a number of 0 or more, got "${value}"`)
  return n
}
