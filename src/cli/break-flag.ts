// `--break 'dir=up,text=PASS'` as `tcpscope proxy` takes it, read into the break.add spec.
// Mistakes are caught here, in one line, before the proxy starts.

import { breakRuleSpec, type BreakRuleSpec } from '../shared/break-types'
import { UsageError } from './args'
import { splitPairs } from './flag-pairs'
import { checkBreakFlag } from './start-checks'

export const BREAK_FLAG_ARG = "'key=value,...'"

export const BREAK_FLAG_ABOUT =
  'hold what matches before it is forwarded (repeatable): one of text=T, hex=HEX, regex=RE, chunk (every chunk), http=request|response, ' +
  "message[=WORDS] (whole messages of the connection's --frame or recognised protocol, picked by the message filter words cmd:SET, fn:6, dir:client, text:T; an edit's lengths are fixed); " +
  'dir=up|down|both (default both; http: its own way), method=, path=, host= (requests), status=404|4xx (responses), filter=WORDS (the list\'s filter words), ' +
  "encoding= (text), timeout=SECONDS (default 60, 0: never); a comma inside a value is written \\,; e.g. --break 'dir=up,text=PASS'"

const DIRS: Record<string, NonNullable<BreakRuleSpec['stream']>> = { up: 'upstream', upstream: 'upstream', down: 'downstream', downstream: 'downstream', both: 'both' }
const MATCH_KEYS = ['text', 'hex', 'regex', 'chunk', 'http', 'message'] as const

export function parseBreakFlag(text: string): BreakRuleSpec {
  const bad = (why: string): never => {
    throw new UsageError(`proxy: --break '${text}': ${why}`)
  }
  const spec: Record<string, unknown> = {}
  let match: string | undefined
  for (const pair of splitPairs(text)) {
    const eq = pair.indexOf('=')
    const key = (eq < 0 ? pair : pair.slice(0, eq)).trim()
    const value = eq < 0 ? undefined : pair.slice(eq + 1)
    if ((MATCH_KEYS as readonly string[]).includes(key)) {
      if (match !== undefined) bad(`give one of ${MATCH_KEYS.join(', ')}, not both ${match} and ${key}`)
      match = key
    }
    switch (key) {
      case 'chunk':
        if (value !== undefined) bad('chunk takes no value: it holds every chunk')
        spec.match = 'chunk'
        break
      case 'text':
      case 'hex':
      case 'regex':
        if (!value) bad(`${key} wants what to look for, e.g. ${key}=${key === 'hex' ? '50415353' : 'PASS'}`)
        spec.match = key
        spec.pattern = value
        break
      case 'http':
        if (value !== 'request' && value !== 'response') bad(`http is request or response; got "${value ?? ''}"`)
        spec.match = `http-${value}`
        break
      case 'message':
        spec.match = 'message'
        if (value !== undefined && value.trim() !== '') spec.pattern = value.trim()
        break
      case 'dir':
        if (value === undefined || !(value in DIRS)) bad(`dir is up, down or both; got "${value ?? ''}"`)
        spec.stream = DIRS[value!]
        break
      case 'timeout': {
        const n = Number(value)
        if (value === undefined || value === '' || !Number.isFinite(n) || n < 0) bad(`timeout wants seconds (0: never), got "${value ?? ''}"`)
        spec.timeoutMs = Math.round(n * 1000)
        break
      }
      case 'method':
      case 'path':
      case 'host':
      case 'status':
      case 'filter':
      case 'encoding':
        if (value === undefined || value === '') bad(`${key} wants a value`)
        spec[key] = value
        break
      default:
        bad(`unknown key "${key}"; the keys are ${[...MATCH_KEYS, 'dir', 'method', 'path', 'host', 'status', 'filter', 'encoding', 'timeout'].join(', ')}`)
    }
  }
  if (match === undefined) bad(`say what to hold: one of text=, hex=, regex=, chunk, http=request|response, message[=WORDS]`)
  let parsed: BreakRuleSpec
  try {
    parsed = breakRuleSpec.parse(spec, 'break')
  } catch (err) {
    return bad(err instanceof Error ? err.message : String(err))
  }
  return checkBreakFlag(`proxy: --break '${text}'`, parsed)
}
