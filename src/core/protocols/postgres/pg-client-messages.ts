// A PostgreSQL client's messages for a person: the untyped startup messages (StartupMessage
// with its user, database and parameters; SSLRequest, GSSENCRequest, CancelRequest) and the
// typed ones (Query, the extended protocol's Parse, Bind, Describe, Execute, Sync, COPY,
// FunctionCall). Passwords and SASL data are never shown: only their kind and length.

import type { MessageField } from '../../../shared/message-types'
import { type FieldReader, textOfName } from '../messages/field-reader'
import { childrenOf, type FieldTree } from '../messages/field-tree'
import { hexOf, shown, textOf, word } from '../messages/field-values'
import { CANCEL_REQUEST, GSSENC_REQUEST, SSL_REQUEST, startupName, typeName } from './pg-names'
import type { StatementShape } from './pg-connection'

/** Reads a NUL-terminated string into a field, and returns its bytes. */
export function cstringField(r: FieldReader, t: FieldTree, name: string, to?: MessageField[]): Uint8Array {
  const from = r.at
  const s = r.cstring(name)
  t.add(name, shown(s), r.since(from), to)
  return s
}

export function intField(r: FieldReader, t: FieldTree, name: string, size: 2 | 4, signed = false, to?: MessageField[]): number {
  const from = r.at
  const v = signed ? r.int(size, name) : r.uint(size, name)
  t.add(name, String(v), r.since(from), to)
  return v
}

const quoted = (b: Uint8Array): string => JSON.stringify(textOf(b, 80))

export function describeStartup(r: FieldReader, t: FieldTree): string {
  intField(r, t, 'length', 4)
  const from = r.at
  const code = r.uint(4, 'protocol')
  const name = startupName(code)
  if (code === SSL_REQUEST || code === GSSENC_REQUEST || code === CANCEL_REQUEST) {
    t.add('request code', `${code} (${name})`, r.since(from))
    if (code !== CANCEL_REQUEST) return name === 'SSLRequest' ? 'SSLRequest: the client asks for TLS' : 'GSSENCRequest: the client asks for GSSAPI encryption'
    const pid = intField(r, t, 'process id', 4)
    intField(r, t, 'secret key', 4)
    return `CancelRequest for process ${pid}`
  }
  if (name === undefined) {
    t.add('protocol', String(code), r.since(from))
    throw new Error(`protocol ${code >>> 16}.${code & 0xffff} is not PostgreSQL's 3.x, nor a request code`)
  }
  t.add('protocol', `${code >>> 16}.${code & 0xffff} (${code})`, r.since(from))
  const params = t.group('parameters', '')
  const said: Record<string, string> = {}
  while (!r.done) {
    const at = r.at
    const key = r.cstring('parameter name')
    if (key.length === 0) break
    const value = r.cstring('parameter value')
    const k = textOfName(key)
    if (Object.keys(said).length < 64) said[k] = textOf(value, 60)
    t.add(k, shown(value), r.since(at), childrenOf(params))
  }
  if (params) params.value = String(params.children?.length ?? 0)
  const extra = Object.entries(said).filter(([k]) => k !== 'user' && k !== 'database').map(([k, v]) => `${k}=${v}`)
  return ['StartupMessage', said.user !== undefined ? `user=${said.user}` : '', said.database !== undefined ? `database=${said.database}` : '', ...extra.slice(0, 3)].filter((s) => s).join(' ')
}

/** Each parameter's format code, from a Bind's or FunctionCall's format list (none: text; one: all). */
function formatOf(formats: number[], i: number): number {
  return formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : (formats[i] ?? 0)
}

function formatList(r: FieldReader, t: FieldTree, name: string): number[] {
  const from = r.at
  const n = r.uint(2, `${name} count`)
  const formats: number[] = []
  for (let i = 0; i < n; i++) formats.push(r.uint(2, name))
  t.add(name, formats.length === 0 ? 'all text' : formats.map((f) => (f === 1 ? 'binary' : f === 0 ? 'text' : String(f))).join(', '), r.since(from))
  return formats
}

/** Values of a Bind or a FunctionCall: `$1=42`, text where the format is text, else hex. */
function values(r: FieldReader, t: FieldTree, name: string, formats: number[], types: number[] | undefined): string[] {
  const from = r.at
  const n = r.uint(2, `${name} count`)
  const group = t.group(name, String(n), r.since(from))
  const words: string[] = []
  for (let i = 0; i < n; i++) {
    const at = r.at
    const len = r.int(4, `${name} ${i + 1}'s length`)
    const label = `$${i + 1}${types?.[i] !== undefined && types[i] !== 0 ? ` (${typeName(types[i])})` : ''}`
    if (len < 0) {
      t.add(label, 'NULL', r.since(at), childrenOf(group))
      if (words.length < 8) words.push(`$${i + 1}=NULL`)
      continue
    }
    const bytes = r.take(len, `${name} ${i + 1}`)
    const binary = formatOf(formats, i) !== 0
    t.add(label, binary ? `0x ${hexOf(bytes)}` : shown(bytes), r.since(at), childrenOf(group))
    if (words.length < 8) words.push(`$${i + 1}=${binary ? `0x${hexOf(bytes, 8).replace(/ /g, '')}` : word(bytes, 40)}`)
  }
  if (n > 8) words.push(`… (${n})`)
  if (group) group.value = String(n)
  return words
}

export function describeClientMessage(type: string, r: FieldReader, t: FieldTree, context: unknown): string {
  switch (type) {
    case 'Q': {
      const q = cstringField(r, t, 'query')
      return `Query: ${textOf(q, 200)}`
    }
    case 'P': {
      const name = cstringField(r, t, 'statement')
      const q = cstringField(r, t, 'query')
      const from = r.at
      const n = r.uint(2, 'parameter type count')
      const group = t.group('parameter types', String(n), r.since(from))
      for (let i = 0; i < n; i++) {
        const at = r.at
        const oid = r.uint(4, 'parameter type')
        t.add(`$${i + 1}`, oid === 0 ? 'unspecified' : `${typeName(oid)} (${oid})`, r.since(at), childrenOf(group))
      }
      return `Parse${name.length ? ` ${word(name)}` : ''}: ${textOf(q, 200)}`
    }
    case 'B': {
      const portal = cstringField(r, t, 'portal')
      const statement = cstringField(r, t, 'statement')
      const formats = formatList(r, t, 'parameter formats')
      const shape = context && typeof context === 'object' && 'types' in context ? (context as StatementShape) : undefined
      const words = values(r, t, 'parameters', formats, shape?.types)
      formatList(r, t, 'result formats')
      const head = `Bind${statement.length ? ` ${word(statement)}` : ''}${portal.length ? ` → portal ${word(portal)}` : ''}`
      return [head, ...words].join(' ')
    }
    case 'D':
    case 'C': {
      const from = r.at
      const what = r.uint(1, 'kind')
      const kind = what === 0x53 ? 'statement' : what === 0x50 ? 'portal' : undefined
      t.add('kind', kind ?? `0x${what.toString(16)}`, r.since(from))
      const name = cstringField(r, t, 'name')
      if (kind === undefined) throw new Error(`'${String.fromCharCode(what)}' is neither 'S' (statement) nor 'P' (portal)`)
      return `${type === 'D' ? 'Describe' : 'Close'} ${kind}${name.length ? ` ${word(name)}` : ' (unnamed)'}`
    }
    case 'E': {
      const portal = cstringField(r, t, 'portal')
      const rows = intField(r, t, 'max rows', 4)
      return `Execute${portal.length ? ` portal ${word(portal)}` : ''}${rows ? ` (${rows} rows at most)` : ''}`
    }
    case 'p': {
      const kind = context && typeof context === 'object' && 'password' in context ? (context as { password: string }).password : 'PasswordMessage'
      if (kind === 'SASLInitialResponse') {
        const mech = cstringField(r, t, 'mechanism')
        const from = r.at
        const n = r.int(4, 'response length')
        if (n > 0) r.take(n, 'response')
        t.add('response', n < 0 ? 'none' : `(${n} bytes, hidden)`, r.since(from))
        return `SASLInitialResponse ${word(mech)} (hidden)`
      }
      const from = r.at
      r.at = r.end
      t.add(kind === 'PasswordMessage' ? 'password' : 'data', `(${r.at - from} bytes, hidden)`, r.since(from))
      return `${kind} (hidden)`
    }
    case 'd':
      return copyData(r, t)
    case 'f': {
      const m = cstringField(r, t, 'message')
      return `CopyFail ${quoted(m)}`
    }
    case 'F': {
      const oid = intField(r, t, 'function', 4)
      const formats = formatList(r, t, 'argument formats')
      const words = values(r, t, 'arguments', formats, undefined)
      const from = r.at
      const result = r.uint(2, 'result format')
      t.add('result format', result === 1 ? 'binary' : 'text', r.since(from))
      return [`FunctionCall ${oid}`, ...words].join(' ')
    }
    default:
      // Sync, Flush, CopyDone and Terminate are their type alone.
      return ''
  }
}

export function copyData(r: FieldReader, t: FieldTree): string {
  const from = r.at
  const data = r.take(r.left, 'data')
  t.add('data', shown(data), r.since(from))
  return `CopyData ${word(data, 80)}`
}
