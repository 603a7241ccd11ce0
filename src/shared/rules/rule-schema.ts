// Checks a rules file's content (already parsed from JSON or YAML) against the one schema of
// rule-types.ts. A file is hostile input: every unknown key, wrong type and missing part is
// one line that names the rule (its place and name) and the field, and says what fits.

import { ValidationError } from '../schema'
import type { Matcher, RuleSpec, RulesFile, Step, TextMatch } from './rule-types'

/** Most rules a file may hold. */
export const MAX_RULES = 1000
/** Most steps of one rule, and most parts of an all/any. */
const MAX_PARTS = 100
/** Deepest nesting of all/any/not. */
const MAX_DEPTH = 16
const MAX_TEXT = 1 << 20
/** The opcodes a `websocket` matcher names (a number names any other). */
const WEBSOCKET_OPCODES = ['text', 'binary', 'close', 'ping', 'pong'] as const

type Obj = Record<string, unknown>

class Checker {
  constructor(private readonly where: string) {}

  fail(path: string, want: string): never {
    throw new ValidationError(`${this.where}${path ? `.${path}` : ''}: ${want}`)
  }

  obj(v: unknown, path: string, keys: readonly string[]): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, `expected an object, got ${shown(v)}`)
    const o = v as Obj
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.fail(path, `unknown field "${k}" (it takes ${keys.join(', ')})`)
    return o
  }

  str(v: unknown, path: string): string {
    if (typeof v !== 'string') this.fail(path, `expected a string, got ${shown(v)}`)
    if (v.length > MAX_TEXT) this.fail(path, `longer than ${MAX_TEXT} characters`)
    return v
  }

  int(v: unknown, path: string, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) this.fail(path, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(v) ?? shown(v)}`)
    return v
  }

  text(v: unknown, path: string): TextMatch {
    if (typeof v === 'string') return v
    const o = this.obj(v, path, ['exact', 'glob', 'regex', 'contains', 'prefix'])
    const keys = Object.keys(o)
    if (keys.length !== 1) this.fail(path, 'give one of exact, glob, regex, contains or prefix')
    this.str(o[keys[0]], `${path}.${keys[0]}`)
    return o as TextMatch
  }

  textMap(v: unknown, path: string, anyValue: boolean): void {
    const o = this.obj(v, path, Object.keys(v ?? {}))
    for (const [k, val] of Object.entries(o)) {
      if (anyValue && val === true) continue
      if (typeof val === 'number' || typeof val === 'boolean') {
        if (anyValue) this.fail(`${path}.${k}`, 'expected a text match or true')
        continue
      }
      this.text(val, `${path}.${k}`)
    }
  }

  headerChanges(v: unknown, path: string): void {
    const o = this.obj(v, path, Object.keys(v ?? {}))
    for (const [k, val] of Object.entries(o)) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) this.fail(`${path}.${k}`, 'not a header name')
      if (val !== null) this.str(val, `${path}.${k}`)
      if (typeof val === 'string' && /[\r\n]/.test(val)) this.fail(`${path}.${k}`, 'a header value cannot hold a line break')
    }
  }

  matcher(v: unknown, path: string, depth: number): Matcher {
    if (depth > MAX_DEPTH) this.fail(path, `nested deeper than ${MAX_DEPTH}`)
    const o = this.obj(v, path, ['all', 'any', 'not', 'http', 'grpc', 'resp', 'message', 'websocket', 'connection'])
    const keys = Object.keys(o)
    if (keys.length !== 1) this.fail(path, 'give one of all, any, not, http, grpc, resp, message, websocket or connection (combine several with all)')
    const key = keys[0]
    const p = `${path}.${key}`
    const val = o[key]
    switch (key) {
      case 'all':
      case 'any': {
        if (!Array.isArray(val) || val.length === 0 || val.length > MAX_PARTS) this.fail(p, `expected a list of 1 to ${MAX_PARTS} matchers`)
        val.forEach((m, i) => this.matcher(m, `${p}[${i}]`, depth + 1))
        break
      }
      case 'not':
        this.matcher(val, p, depth + 1)
        break
      case 'http': {
        const h = this.obj(val, p, ['method', 'host', 'port', 'path', 'query', 'headers', 'body'])
        if (h.method !== undefined) {
          const list = Array.isArray(h.method) ? h.method : [h.method]
          if (list.length === 0) this.fail(`${p}.method`, 'expected a method or a list of them')
          list.forEach((m, i) => {
            if (!/^[A-Za-z]+$/.test(this.str(m, `${p}.method${Array.isArray(h.method) ? `[${i}]` : ''}`))) this.fail(`${p}.method`, `"${String(m)}" is not a method`)
          })
        }
        if (h.host !== undefined) this.text(h.host, `${p}.host`)
        if (h.port !== undefined) this.int(h.port, `${p}.port`, 1, 65535)
        if (h.path !== undefined) this.text(h.path, `${p}.path`)
        if (h.query !== undefined) this.textMap(h.query, `${p}.query`, true)
        if (h.headers !== undefined) this.textMap(h.headers, `${p}.headers`, true)
        if (h.body !== undefined) {
          const b = this.obj(h.body, `${p}.body`, ['contains', 'regex', 'json'])
          if (b.contains !== undefined) this.str(b.contains, `${p}.body.contains`)
          if (b.regex !== undefined) this.str(b.regex, `${p}.body.regex`)
          if (b.json !== undefined) this.jsonPaths(b.json, `${p}.body.json`)
        }
        break
      }
      case 'grpc': {
        const g = this.obj(val, p, ['method', 'service', 'field'])
        if (g.method !== undefined) this.str(g.method, `${p}.method`)
        if (g.service !== undefined) this.str(g.service, `${p}.service`)
        if (g.field !== undefined) this.protoFields(g.field, `${p}.field`)
        break
      }
      case 'resp': {
        const r = this.obj(val, p, ['command', 'key'])
        if (r.command !== undefined) this.str(r.command, `${p}.command`)
        if (r.key !== undefined) this.text(r.key, `${p}.key`)
        break
      }
      case 'message': {
        const m = this.obj(val, p, ['dir', 'protocol', 'summary', 'fields', 'regex', 'hex'])
        if (m.dir !== undefined && m.dir !== 'client' && m.dir !== 'server') this.fail(`${p}.dir`, 'expected client or server')
        if (m.protocol !== undefined) this.str(m.protocol, `${p}.protocol`)
        if (m.summary !== undefined) this.text(m.summary, `${p}.summary`)
        if (m.fields !== undefined) this.textMap(m.fields, `${p}.fields`, false)
        if (m.regex !== undefined) this.str(m.regex, `${p}.regex`)
        if (m.hex !== undefined && !/^(\s*([0-9a-fA-F]{2}|\?\?))+\s*$/.test(this.str(m.hex, `${p}.hex`))) this.fail(`${p}.hex`, 'expected hex bytes, ?? for any byte: "2a 33 ?? 0d 0a"')
        break
      }
      case 'websocket': {
        const w = this.obj(val, p, ['dir', 'opcode', 'text', 'json'])
        if (w.dir !== undefined && w.dir !== 'client' && w.dir !== 'server') this.fail(`${p}.dir`, 'expected client or server')
        if (w.opcode !== undefined) {
          const list = Array.isArray(w.opcode) ? w.opcode : [w.opcode]
          if (list.length === 0) this.fail(`${p}.opcode`, 'expected an opcode or a list of them')
          list.forEach((op, i) => this.opcode(op, `${p}.opcode${Array.isArray(w.opcode) ? `[${i}]` : ''}`))
        }
        if (w.text !== undefined) this.text(w.text, `${p}.text`)
        if (w.json !== undefined) this.jsonPaths(w.json, `${p}.json`)
        break
      }
      case 'connection': {
        const c = this.obj(val, p, ['client', 'targetHost', 'targetPort', 'sni', 'alpn'])
        if (c.client !== undefined) this.text(c.client, `${p}.client`)
        if (c.targetHost !== undefined) this.text(c.targetHost, `${p}.targetHost`)
        if (c.targetPort !== undefined) this.int(c.targetPort, `${p}.targetPort`, 1, 65535)
        if (c.sni !== undefined) this.text(c.sni, `${p}.sni`)
        if (c.alpn !== undefined) this.str(c.alpn, `${p}.alpn`)
        break
      }
    }
    return o as Matcher
  }

  /** Protobuf fields by number path (`1`, `2.1`) and a text, number or boolean each. */
  protoFields(v: unknown, path: string): void {
    const f = this.obj(v, path, Object.keys(v ?? {}))
    for (const [k, want] of Object.entries(f)) {
      if (!/^[1-9]\d{0,8}(\.[1-9]\d{0,8}){0,15}$/.test(k)) this.fail(`${path}.${k}`, 'expected a field number (1), or numbers through nested messages (2.1)')
      if (typeof want === 'number' ? !Number.isFinite(want) : typeof want !== 'boolean') this.str(want, `${path}.${k}`)
    }
  }

  opcode(v: unknown, path: string): void {
    if (typeof v === 'number') this.int(v, path, 0, 15)
    else if (!(WEBSOCKET_OPCODES as readonly unknown[]).includes(v)) this.fail(path, `expected ${WEBSOCKET_OPCODES.join(', ')} or a number from 0 to 15, got ${JSON.stringify(v) ?? shown(v)}`)
  }

  jsonPaths(v: unknown, path: string): void {
    const o = this.obj(v, path, Object.keys(v ?? {}))
    for (const k of Object.keys(o)) if (!/^\$(\.[^.[\]]+|\[\d+\]|\['[^']*'\])*$/.test(k)) this.fail(`${path}`, `"${k}" is not a JSON path ($.a.b, $.items[0])`)
  }

  replaces(v: unknown, path: string): void {
    if (!Array.isArray(v) || v.length > MAX_PARTS) this.fail(path, `expected a list of up to ${MAX_PARTS} { find, with } replacements`)
    v.forEach((r, i) => {
      const o = this.obj(r, `${path}[${i}]`, ['find', 'with', 'regex'])
      if (this.str(o.find, `${path}[${i}].find`) === '') this.fail(`${path}[${i}].find`, 'cannot be empty')
      this.str(o.with, `${path}[${i}].with`)
      if (o.regex !== undefined && typeof o.regex !== 'boolean') this.fail(`${path}[${i}].regex`, 'expected true or false')
    })
  }

  messageRewrite(v: unknown, path: string, response: boolean): void {
    const o = this.obj(v, path, response ? ['status', 'headers', 'replace', 'json', 'body', 'grpc'] : ['headers', 'replace', 'json', 'body', 'grpc'])
    if (o.status !== undefined) this.int(o.status, `${path}.status`, 100, 999)
    if (o.headers !== undefined) this.headerChanges(o.headers, `${path}.headers`)
    if (o.replace !== undefined) this.replaces(o.replace, `${path}.replace`)
    if (o.json !== undefined) this.jsonPaths(o.json, `${path}.json`)
    if (o.body !== undefined) this.str(o.body, `${path}.body`)
    if (o.grpc !== undefined) {
      const g = this.obj(o.grpc, `${path}.grpc`, ['field'])
      if (g.field === undefined) this.fail(`${path}.grpc`, 'say which fields to set: { "field": { "1": "new text" } }')
      this.protoFields(g.field, `${path}.grpc.field`)
      const keys = Object.keys(g.field as Obj)
      if (keys.length === 0) this.fail(`${path}.grpc.field`, 'say which fields to set: { "1": "new text" }')
      // A field set whole and one inside it would contradict each other.
      for (const k of keys) {
        const outer = keys.find((x) => k.startsWith(`${x}.`))
        if (outer !== undefined) this.fail(`${path}.grpc.field.${k}`, `inside field ${outer}, which is set too: give one of them`)
      }
    }
  }

  /** On a rule that matches gRPC only, json paths and a whole body (which would break its framing) are refused here, not found out on the wire. */
  grpcRewrites(steps: unknown[]): void {
    steps.forEach((step, i) => {
      const rw = (step as Obj).rewrite as Obj | undefined
      for (const side of ['request', 'response'] as const) {
        const part = rw?.[side] as Obj | undefined
        for (const key of ['json', 'body'] as const) {
          if (part?.[key] === undefined) continue
          const what = key === 'json' ? 'json paths do not apply to' : 'a whole body cannot be set on'
          this.fail(`steps[${i}].rewrite.${side}.${key}`, `${what} a gRPC body (the rule matches grpc): set its messages' fields with grpc: { "field": { "1": "new text" } }, or use replace`)
        }
      }
    })
  }

  step(v: unknown, path: string): Step {
    const o = this.obj(v, path, ['respond', 'forward', 'rewrite', 'delay', 'close', 'reset', 'drop', 'timeout'])
    const keys = Object.keys(o)
    if (keys.length !== 1) this.fail(path, 'give one step: respond, forward, rewrite, delay, close, reset, drop or timeout (a chain is a list of steps)')
    const key = keys[0]
    const p = `${path}.${key}`
    const val = o[key]
    switch (key) {
      case 'respond': {
        const r = this.obj(val, p, ['status', 'headers', 'body', 'json', 'file', 'grpc', 'resp', 'text', 'hex'])
        if (r.status !== undefined) this.int(r.status, `${p}.status`, 100, 999)
        if (r.headers !== undefined) {
          this.headerChanges(r.headers, `${p}.headers`)
          for (const [k, h] of Object.entries(r.headers as Obj)) if (h === null) this.fail(`${p}.headers.${k}`, 'expected a string')
        }
        const bodies = ['body', 'json', 'file', 'text', 'hex'].filter((k) => r[k] !== undefined)
        if (bodies.length > 1) this.fail(p, `give one of ${bodies.join(', ')}, not several`)
        if (r.body !== undefined) this.str(r.body, `${p}.body`)
        if (r.file !== undefined && this.str(r.file, `${p}.file`) === '') this.fail(`${p}.file`, 'cannot be empty')
        if (r.text !== undefined) this.str(r.text, `${p}.text`)
        if (r.hex !== undefined && !/^[0-9a-fA-F\s]*$/.test(this.str(r.hex, `${p}.hex`))) this.fail(`${p}.hex`, 'expected hex digits')
        if (r.hex !== undefined && (r.hex as string).replace(/\s/g, '').length % 2 !== 0) this.fail(`${p}.hex`, 'an odd number of hex digits')
        if (r.grpc !== undefined) {
          const g = this.obj(r.grpc, `${p}.grpc`, ['status', 'message'])
          this.int(g.status, `${p}.grpc.status`, 0, 16)
          if (g.message !== undefined) this.str(g.message, `${p}.grpc.message`)
        }
        if (r.resp !== undefined) {
          const rv = this.obj(r.resp, `${p}.resp`, ['bulk', 'simple', 'error', 'integer', 'null', 'array'])
          const k = Object.keys(rv)
          if (k.length !== 1) this.fail(`${p}.resp`, 'give one of bulk, simple, error, integer, null or array')
          if (k[0] === 'integer') this.int(rv.integer, `${p}.resp.integer`, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
          else if (k[0] === 'null') {
            if (rv.null !== true) this.fail(`${p}.resp.null`, 'expected true')
          } else if (k[0] === 'array') {
            if (!Array.isArray(rv.array)) this.fail(`${p}.resp.array`, 'expected a list of strings')
            rv.array.forEach((s, i) => this.str(s, `${p}.resp.array[${i}]`))
          } else {
            const s = this.str(rv[k[0]], `${p}.resp.${k[0]}`)
            if (k[0] !== 'bulk' && /[\r\n]/.test(s)) this.fail(`${p}.resp.${k[0]}`, 'cannot hold a line break (use bulk)')
          }
        }
        if (Object.keys(r).length === 0) this.fail(p, 'say what to answer: status, body, json, file, grpc, resp, text or hex')
        break
      }
      case 'forward': {
        const f = this.obj(val, p, ['to', 'host'])
        const to = this.str(f.to, `${p}.to`)
        if (!/^(https?:\/\/)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?\/?$/.test(to)) this.fail(`${p}.to`, `"${to}" is not where to forward: http://host:port, https://host or host:port`)
        if (f.host !== undefined && f.host !== 'keep' && f.host !== 'rewrite') this.fail(`${p}.host`, 'expected keep or rewrite')
        break
      }
      case 'rewrite': {
        const r = this.obj(val, p, ['request', 'response', 'bytes', 'websocket'])
        if (r.request !== undefined) this.messageRewrite(r.request, `${p}.request`, false)
        if (r.response !== undefined) this.messageRewrite(r.response, `${p}.response`, true)
        if (r.bytes !== undefined) this.replaces(r.bytes, `${p}.bytes`)
        if (r.websocket !== undefined) {
          const w = this.obj(r.websocket, `${p}.websocket`, ['replace', 'json', 'text'])
          if (w.replace !== undefined) this.replaces(w.replace, `${p}.websocket.replace`)
          if (w.json !== undefined) this.jsonPaths(w.json, `${p}.websocket.json`)
          if (w.text !== undefined) this.str(w.text, `${p}.websocket.text`)
          if (Object.keys(w).length === 0) this.fail(`${p}.websocket`, 'say what to rewrite: replace, json or text')
        }
        if (Object.keys(r).length === 0) this.fail(p, 'say what to rewrite: request, response, bytes or websocket')
        break
      }
      case 'delay':
        this.int(val, p, 0, 3_600_000)
        break
      default:
        if (val !== true) this.fail(p, 'expected true')
    }
    return o as Step
  }
}

/** Whether every request `m` matches is a gRPC call (its matcher says grpc). */
const matchesGrpcOnly = (m: Matcher): boolean => 'grpc' in m || ('all' in m && m.all.some(matchesGrpcOnly)) || ('any' in m && m.any.every(matchesGrpcOnly))

const shown = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v)

/** Where rule `i` is, for a person: `rule 3 ("mock the user")`. */
export const ruleWhere = (i: number, v: unknown): string => {
  const name = typeof v === 'object' && v !== null && typeof (v as Obj).name === 'string' ? ` ("${(v as Obj).name as string}")` : ''
  return `rule ${i + 1}${name}`
}

/** One rule, checked; `where` names it in errors. */
export function checkRule(v: unknown, where: string): RuleSpec {
  const c = new Checker(where)
  const o = c.obj(v, '', ['name', 'enabled', 'match', 'steps', 'times', 'once'])
  if (o.name !== undefined) c.str(o.name, 'name')
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') c.fail('enabled', 'expected true or false')
  if (o.match === undefined) c.fail('match', 'missing: say what the rule matches ({ "http": { "path": "/api" } })')
  c.matcher(o.match, 'match', 0)
  if (!Array.isArray(o.steps) || o.steps.length === 0 || o.steps.length > MAX_PARTS) c.fail('steps', `expected a list of 1 to ${MAX_PARTS} steps ([{ "respond": { "status": 200 } }])`)
  ;(o.steps as unknown[]).forEach((s, i) => c.step(s, `steps[${i}]`))
  if (matchesGrpcOnly(o.match as Matcher)) c.grpcRewrites(o.steps as unknown[])
  if (o.times !== undefined) c.int(o.times, 'times', 1, Number.MAX_SAFE_INTEGER)
  if (o.once !== undefined && typeof o.once !== 'boolean') c.fail('once', 'expected true or false')
  if (o.once === true && o.times !== undefined) c.fail('once', 'give once or times, not both')
  return o as unknown as RuleSpec
}

/** A whole rules file's content: `{ "rules": [...] }` (or the list alone). */
export function checkRules(v: unknown): RulesFile {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    for (const k of Object.keys(v as Obj)) if (k !== 'rules') throw new ValidationError(`unknown field "${k}" at the top of the rules file (it holds "rules")`)
  }
  const list = Array.isArray(v) ? v : typeof v === 'object' && v !== null && Array.isArray((v as Obj).rules) ? ((v as Obj).rules as unknown[]) : undefined
  if (list === undefined) throw new ValidationError('a rules file holds { "rules": [ ... ] }: a list of rules, each { "match": ..., "steps": [...] }')
  if (list.length > MAX_RULES) throw new ValidationError(`${list.length} rules: at most ${MAX_RULES}`)
  return { rules: list.map((r, i) => checkRule(r, ruleWhere(i, r))) }
}
