// A `.ksy` file made into a parser: read (never blocking, bounded), its YAML parsed with the
// project's YAML library, compiled by the published Kaitai Struct compiler (JavaScript,
// debug mode, so every field keeps where its bytes are) and evaluated by ksy-runner.ts.
// Compiled once per file path and content: a file changed on disk compiles again the next
// time it is loaded. A file that does not compile is one line: the compiler's message with
// the line of the YAML it names.
//
// The compiler (kaitai-struct-compiler, GPL-3.0, 6 MB of Scala.js) runs in a process of its
// own, started when a `.ksy` is first loaded (ksy-compiler-process.ts).

import { createHash } from 'node:crypto'
import { dirname, resolve } from 'node:path'
import type { Document, LineCounter } from 'yaml'
import { UserError } from '../../shared/errors'
import { readSmallFile } from '../files/read-small-file'
import type { CompiledKsy } from '../protocols/ksy/ksy-types'
import { KsyParser } from './ksy-runner'
import { CompilerError, compileKsy } from './ksy-compiler-process'
import { throwableName } from './ksy-compiler-messages'

/** A `.ksy` larger than this is not one a person wrote. */
export const MAX_KSY_FILE = 1024 * 1024
/** Files a `.ksy` may import (its own imports' imports included). */
const MAX_IMPORTS = 32


/** Compiled parsers by content hash (a file and its copy share one). */
const byHash = new Map<string, Promise<CompiledKsy>>()
const KEPT = 16

/** `temperature_centi` as the JavaScript compiler names it: `temperatureCenti`. */
export const lowerCamel = (id: string): string => id.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())
const upperCamel = (id: string): string => lowerCamel(id).replace(/^[a-z]/, (c) => c.toUpperCase())

/** Loads and compiles `path` (on the engine's host), or throws a UserError in one line. */
export async function compileKsyFile(path: string): Promise<CompiledKsy> {
  const shown = `ksy:${path}`
  const bytes = await readSmallFile(path, `cannot read ${shown}`, MAX_KSY_FILE, 'a .ksy file')
  const hash = createHash('sha256').update(path).update('\0').update(bytes).digest('hex')
  let p = byHash.get(hash)
  if (!p) {
    const made = compileText(path, bytes.toString('utf8'))
    p = made.then((c) => c.compiled)
    byHash.set(hash, p)
    if (byHash.size > KEPT) byHash.delete(byHash.keys().next().value!)
    // A failure is not kept: the next load tries again (the file may be fixed by then). Nor is
    // a file that imports others: the key is this file's content, not theirs, which may change.
    made.then(
      (c) => void (c.imported && byHash.delete(hash)),
      () => byHash.delete(hash)
    )
  }
  return p
}

/** The yaml package, loaded when a .ksy is first compiled, not with the engine. */
type Yaml = typeof import('yaml')

function parseYaml(yaml: Yaml, path: string, text: string): { doc: Document; lines: LineCounter; value: unknown } {
  const lines = new yaml.LineCounter()
  const doc = yaml.parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const err = doc.errors[0]
  if (err) {
    const at = lines.linePos(err.pos[0])
    throw new UserError(`${path}:${at.line}: not YAML: ${err.message.split('\n')[0]}`)
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 })
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UserError(`${path}: not a .ksy (its top level is not a map with meta:, seq:, types:)`)
  return { doc, lines, value }
}

async function compileText(path: string, text: string): Promise<{ compiled: CompiledKsy; imported: boolean }> {
  const yaml = await import('yaml')
  const top = parseYaml(yaml, path, text)
  const docs = new Map<string, { doc: Document; lines: LineCounter }>([[idOf(top.value) ?? '(main)', top]])
  let imports = 0
  // Imports are other `.ksy` files beside this one (`imports: [header]`, `../common/header`).
  const importer = {
    importYaml: async (name: string, mode: string): Promise<unknown> => {
      if (mode !== 'rel') throw new Error(`import ${name}: only imports relative to the file are read (no search path)`)
      if (++imports > MAX_IMPORTS) throw new Error(`more than ${MAX_IMPORTS} imports`)
      const file = resolve(dirname(path), `${name}.ksy`)
      const got = parseYaml(yaml, file, (await readSmallFile(file, `cannot read the import ${name}`, MAX_KSY_FILE, 'a .ksy file')).toString('utf8'))
      docs.set(idOf(got.value) ?? name, got)
      return got.value
    }
  }
  let files: Record<string, string>
  try {
    files = await compileKsy(top.value, importer)
  } catch (err) {
    throw new UserError(compileError(yaml, path, err, docs))
  }
  const id = idOf(top.value) ?? 'ksy'
  const topClass = upperCamel(id)
  let parser: KsyParser
  try {
    parser = new KsyParser(files, topClass)
  } catch (err) {
    throw new UserError(`${path}: the compiled parser does not load: ${(err as Error).message}`)
  }
  const names = new Map<string, string>()
  const types = new Map<string, string>()
  for (const d of docs.values()) collectNames(d.doc.toJS() as unknown, names, types)
  return { compiled: { path, id, parser, names, types }, imported: imports > 0 }
}

const idOf = (v: unknown): string | undefined => {
  const id = (v as { meta?: { id?: unknown } }).meta?.id
  return typeof id === 'string' ? id : undefined
}

/** Every seq and instance id and type and enum name of a `.ksy` (and its types'), by the compiled code's name for it. */
function collectNames(spec: unknown, names: Map<string, string>, types: Map<string, string>, depth = 0): void {
  if (spec === null || typeof spec !== 'object' || depth > 32) return
  const s = spec as { seq?: unknown; instances?: unknown; types?: unknown; enums?: unknown; meta?: { id?: unknown } }
  if (typeof s.meta?.id === 'string') types.set(upperCamel(s.meta.id), s.meta.id)
  // An enum's class is named as a type's is (`msg_type` → `MsgType`): a value it does not hold names it.
  if (s.enums && typeof s.enums === 'object') for (const k of Object.keys(s.enums)) types.set(upperCamel(k), k)
  if (Array.isArray(s.seq)) for (const a of s.seq) if (typeof (a as { id?: unknown })?.id === 'string') names.set(lowerCamel((a as { id: string }).id), (a as { id: string }).id)
  if (s.instances && typeof s.instances === 'object') for (const k of Object.keys(s.instances)) names.set(lowerCamel(k), k)
  if (s.types && typeof s.types === 'object') {
    for (const [k, t] of Object.entries(s.types)) {
      types.set(upperCamel(k), k)
      collectNames(t, names, types, depth + 1)
    }
  }
}

/** The compiler's problem as one line: `FILE:LINE: /seq/1/type: unable to find type 'zz'`. */
function compileError(yaml: Yaml, path: string, err: unknown, docs: Map<string, { doc: Document; lines: LineCounter }>): string {
  const raw = String((err as { jl_Throwable__f_s?: unknown })?.jl_Throwable__f_s ?? (err as Error)?.message ?? err)
  // Its whole text is the instance's name ("a"): what it means is in the class.
  // (The compiler's process passes its class on; in development it runs here and throws it.)
  const kind = err instanceof CompilerError ? err.kind : throwableName(err)
  if (kind === 'TypeUndecidedError' && /^\w+$/.test(raw.trim())) {
    const name = raw.trim()
    const at = instanceAt(yaml, docs, name)
    return `${at ? `${at.file ?? path}:${at.line}` : path}: instances/${name}: its type cannot be worked out: its value depends on itself, directly or through other instances (as a: b + 1 with b: a + 1); break the cycle`
  }
  const text = raw.replace(/^[\w.$]+(Exception|Error): /, '')
  // `ID: /seq/1/type:\n\terror: what` (the compiler names the file by its id, `(main)` before it has one).
  const m = /^([^:\n]+): (\/[^\n]*?):?\s*\n\s*(?:error: )?([\s\S]*)$/.exec(text.trim())
  if (!m) {
    const at = unknownNameAt(yaml, docs, text.trim())
    if (at) return `${at.file ?? path}:${at.line}: ${at.where}: ${text.replace(/\s+/g, ' ').trim().slice(0, 300)}`
    return `${path}: does not compile: ${text.replace(/\s+/g, ' ').trim().slice(0, 300)}`
  }
  const [, file, where, what] = m
  const d = docs.get(file) ?? docs.values().next().value
  let line = ''
  if (d) {
    const keys = where
      .split('/')
      .filter((k) => k !== '')
      .map((k) => (/^\d+$/.test(k) ? Number(k) : k))
    // The deepest node of the path that the document holds.
    for (let n = keys.length; n > 0; n--) {
      const node = d.doc.getIn(keys.slice(0, n), true) as { range?: [number, number] } | undefined
      const range = node?.range ?? (yaml.isMap(node) || yaml.isSeq(node) ? (node as { range?: [number, number] }).range : undefined)
      if (range) {
        line = `:${d.lines.linePos(range[0]).line}`
        break
      }
    }
  }
  const shownFile = d && d !== docs.values().next().value ? `${file}.ksy` : path
  return `${shownFile}${line}: ${where}: ${what.replace(/\s+/g, ' ').trim().slice(0, 300)}`
}

/**
 * Where an expression names what its type does not have: the compiler says only `unable to
 * access 'msg_typo' in blob_msg context`, without the YAML path it gives other errors, so the
 * first value in that type's own fields (not its nested types') whose expression has the name.
 */
function unknownNameAt(yaml: Yaml, docs: Map<string, { doc: Document; lines: LineCounter }>, text: string): { file?: string; where: string; line: number } | undefined {
  const m = /^unable to access '([\w]+)' in ([\w:]+) context$/.exec(text)
  if (!m) return undefined
  const [, name, context] = m
  const typeName = context.split('::').pop()!
  const uses = new RegExp(`(^|[^\\w.])${name}(?!\\w)`)
  const find = (node: unknown, keys: Array<string | number>, depth: number): { keys: Array<string | number>; pos: number } | undefined => {
    if (depth > 64) return undefined
    if (yaml.isScalar(node)) return typeof node.value === 'string' && uses.test(node.value) && node.range ? { keys, pos: node.range[0] } : undefined
    if (yaml.isSeq(node)) {
      for (const [i, item] of node.items.entries()) {
        const hit = find(item, [...keys, i], depth + 1)
        if (hit) return hit
      }
    }
    if (yaml.isMap(node)) {
      for (const pair of node.items) {
        const key = yaml.isScalar(pair.key) ? pair.key.value : pair.key
        // A nested type is a context of its own; its id and docs name nothing.
        if (key === 'types' || key === 'meta' || key === 'doc' || key === 'doc-ref' || key === 'enums' || typeof key !== 'string') continue
        const hit = find(pair.value, [...keys, key], depth + 1)
        if (hit) return hit
      }
    }
    return undefined
  }
  // The type named `typeName`: a file's top (its meta id) or an entry of some `types:`.
  const typeAt = (node: unknown, keys: Array<string | number>, depth: number): { node: unknown; keys: Array<string | number> } | undefined => {
    if (!yaml.isMap(node) || depth > 32) return undefined
    const types = node.get('types', true)
    if (!yaml.isMap(types)) return undefined
    for (const pair of types.items) {
      const key = yaml.isScalar(pair.key) ? pair.key.value : pair.key
      if (typeof key !== 'string') continue
      if (key === typeName) return { node: pair.value, keys: [...keys, 'types', key] }
      const deeper = typeAt(pair.value, [...keys, 'types', key], depth + 1)
      if (deeper) return deeper
    }
    return undefined
  }
  for (const [id, d] of docs) {
    const type = id === typeName ? { node: d.doc.contents, keys: [] } : typeAt(d.doc.contents, [], 0)
    const hit = type && find(type.node, type.keys, 0)
    if (hit) return { ...(id === docs.keys().next().value ? {} : { file: `${id}.ksy` }), where: `/${hit.keys.join('/')}`, line: d.lines.linePos(hit.pos).line }
  }
  return undefined
}

/** Where instance `name` is declared (the first `instances:` that has it, in any type of any file). */
function instanceAt(yaml: Yaml, docs: Map<string, { doc: Document; lines: LineCounter }>, name: string): { file?: string; line: number } | undefined {
  const find = (node: unknown, depth: number): number | undefined => {
    if (!yaml.isMap(node) || depth > 64) return undefined
    for (const pair of node.items) {
      const key = yaml.isScalar(pair.key) ? pair.key.value : pair.key
      if (key === 'instances' && yaml.isMap(pair.value)) {
        const hit = pair.value.items.find((p) => (yaml.isScalar(p.key) ? p.key.value : p.key) === name)
        const range = hit && yaml.isScalar(hit.key) ? hit.key.range : undefined
        if (range) return range[0]
      }
      const deeper = find(pair.value, depth + 1)
      if (deeper !== undefined) return deeper
    }
    return undefined
  }
  for (const [id, d] of docs) {
    const at = find(d.doc.contents, 0)
    if (at !== undefined) return { ...(id === docs.keys().next().value ? {} : { file: `${id}.ksy` }), line: d.lines.linePos(at).line }
  }
  return undefined
}
