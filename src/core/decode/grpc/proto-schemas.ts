// The .proto files the engine reads gRPC messages by (grpc.protos.load; `--proto FILE`):
// parsed by protobufjs, never by hand, each file read asynchronously and bounded in size
// and number, then offered to the field decoder as the plain SchemaType it knows (so the
// decoder stays free of packages). A method is found by its path, `/pkg.Service/Method`.

import { readFile, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { Field, MapField, Namespace, ReflectionObject, Root, Type } from 'protobufjs'
import type { GrpcProtoSet } from '../../../shared/grpc-types'
import { UserError } from '../../../shared/errors'
import type { SchemaField, SchemaType } from '../../protocols/grpc/proto-schema'

/** A .proto file larger than this is not one (descriptor.proto, among the largest, is about 50 KiB). */
const MAX_PROTO_FILE = 16 * 1024 * 1024
/** Files one load reads at most, imports included. */
const MAX_PROTO_FILES = 1000
/** Methods a load lists at most in its answer (all of them are known to the decoder). */
const LISTED_METHODS = 1000

export interface MethodTypes {
  input?: SchemaType
  output?: SchemaType
}

const bare = (fullName: string): string => fullName.replace(/^\./, '')

/** protobufjs, loaded when .proto files are first loaded, not with the engine. */
type Protobuf = typeof import('protobufjs')

/** protobufjs's reflection of a message type as the decoder's SchemaType, each built once. */
class TypeAdapter {
  private readonly made = new Map<Type, SchemaType>()

  constructor(private readonly pb: Protobuf) {}

  of(t: Type): SchemaType {
    let s = this.made.get(t)
    if (s) return s
    const fields = new Map<number, SchemaField>()
    s = { name: bare(t.fullName), field: (n) => this.field(t, n, fields) }
    this.made.set(t, s)
    return s
  }

  private field(t: Type, n: number, cache: Map<number, SchemaField>): SchemaField | undefined {
    const hit = cache.get(n)
    if (hit) return hit
    const f = t.fieldsById[n] as Field | undefined
    if (!f) return undefined
    const made = f.map ? this.mapField(t, f as unknown as MapField) : this.plain(f)
    cache.set(n, made)
    return made
  }

  private plain(f: Field | MapField, name = f.name, repeated = f.repeated): SchemaField {
    const r = f.resolvedType
    if (r instanceof this.pb.Type) {
      // Built when first read: a type may hold itself (a tree's node), or one not yet adapted.
      const of = (): SchemaType => this.of(r)
      return {
        name,
        type: 'message',
        repeated,
        typeName: bare(r.fullName),
        get message() {
          return of()
        }
      }
    }
    if (r instanceof this.pb.Enum) {
      const values = new Map(Object.entries(r.valuesById).map(([k, v]) => [Number(k), v]))
      return { name, type: 'enum', repeated, typeName: bare(r.fullName), enumValues: values }
    }
    return { name, type: f.type, repeated }
  }

  /** A map field is sent as repeated entries: a message of key (1) and value (2). */
  private mapField(t: Type, f: MapField): SchemaField {
    const key: SchemaField = { name: 'key', type: f.keyType, repeated: false }
    const value = this.plain(f, 'value', false)
    const entry: SchemaType = { name: `${bare(t.fullName)}.${f.name}Entry`, field: (n) => (n === 1 ? key : n === 2 ? value : undefined) }
    return { name: f.name, type: 'message', repeated: true, typeName: entry.name, message: entry }
  }
}

/** Every service's methods and how many message types, walking the namespaces. */
function walk(pb: Protobuf, ns: Namespace, visit: (o: ReflectionObject) => void): void {
  for (const o of ns.nestedArray) {
    visit(o)
    if (o instanceof pb.Namespace) walk(pb, o, visit)
  }
}

/** Reads one .proto file for protobufjs: asynchronously, and only a regular file of sane size. */
async function readProto(path: string, count: { files: number }): Promise<string> {
  if (++count.files > MAX_PROTO_FILES) throw new Error(`more than ${MAX_PROTO_FILES} .proto files (imports included)`)
  let size: number
  try {
    const s = await stat(path)
    if (!s.isFile()) throw new Error(`${path} is not a file`)
    size = s.size
  } catch (e) {
    const code = (e as { code?: string }).code
    throw new Error(code === 'ENOENT' ? `${path}: no such file` : code === 'EACCES' ? `${path}: permission denied` : (e as Error).message)
  }
  if (size > MAX_PROTO_FILE) throw new Error(`${path} is ${size} bytes, too large for a .proto file`)
  return readFile(path, 'utf8')
}

/** The name protobufjs bundles a well-known import under (`google/protobuf/any.proto`), if it does. */
function bundledName(pb: Protobuf, file: string): string | undefined {
  const at = file.lastIndexOf('google/protobuf/')
  const name = at >= 0 ? file.slice(at) : file
  return pb.common.get(name) ? name : undefined
}

/**
 * Parses `paths` and their imports into `root`, one file at a time. Root.load would do it,
 * but it resolves the types inside a timer of its own once the last file is in, where a
 * type it cannot find throws past every caller; here resolving is the caller's, in a try.
 */
async function loadInto(pb: Protobuf, root: Root, paths: readonly string[]): Promise<void> {
  const count = { files: 0 }
  const seen = new Set<string>()
  const loadOne = async (file: string, weak: boolean): Promise<void> => {
    const bundled = bundledName(pb, file)
    const key = bundled ?? file
    if (seen.has(key)) return
    seen.add(key)
    root.files.push(key)
    if (bundled) {
      root.addJSON(pb.common.get(bundled)!.nested!)
      return
    }
    let text: string
    try {
      text = await readProto(file, count)
    } catch (e) {
      if (weak) return
      throw e
    }
    // protobufjs names the file in a syntax error from this (its parse.filename).
    ;(pb.parse as unknown as { filename: string | null }).filename = file
    const parsed = pb.parse(text, root, { keepCase: true })
    for (const name of parsed.imports ?? []) await loadOne(bundledName(pb, name) ?? resolve(dirname(file), name), false)
    for (const name of parsed.weakImports ?? []) await loadOne(bundledName(pb, name) ?? resolve(dirname(file), name), true)
  }
  for (const p of paths) await loadOne(resolve(p), false)
}

export class ProtoSchemas {
  private methods = new Map<string, MethodTypes>()
  private set: GrpcProtoSet = { files: [], methods: [], types: 0 }

  /** Whether any .proto files are loaded. */
  get loaded(): boolean {
    return this.set.files.length > 0
  }

  /** What is loaded now. */
  current(): GrpcProtoSet {
    return this.set
  }

  /**
   * Loads `paths` (and what they import, relative to each) in place of what was loaded; none
   * unloads. A file that cannot be read or parsed fails the whole load in one line, and the
   * files loaded before stay.
   */
  async load(paths: readonly string[]): Promise<GrpcProtoSet> {
    if (paths.length === 0) {
      this.methods = new Map()
      this.set = { files: [], methods: [], types: 0 }
      return this.set
    }
    const pb = await import('protobufjs')
    const root = new pb.Root()
    try {
      await loadInto(pb, root, paths)
      root.resolveAll()
    } catch (e) {
      throw new UserError(`cannot load the .proto files: ${(e as Error).message}`)
    }
    const adapter = new TypeAdapter(pb)
    const methods = new Map<string, MethodTypes>()
    let types = 0
    walk(pb, root, (o) => {
      if (o instanceof pb.Type) types++
      if (!(o instanceof pb.Service)) return
      for (const m of o.methodsArray) {
        const t: MethodTypes = {}
        if (m.resolvedRequestType) t.input = adapter.of(m.resolvedRequestType)
        if (m.resolvedResponseType) t.output = adapter.of(m.resolvedResponseType)
        methods.set(`/${bare(o.fullName)}/${m.name}`, t)
      }
    })
    this.methods = methods
    this.set = { files: [...root.files], methods: [...methods.keys()].slice(0, LISTED_METHODS), types }
    return this.set
  }

  /** The types of a method by its path, or undefined when no loaded file defines it. */
  method(path: string): MethodTypes | undefined {
    return this.methods.get(path)
  }
}
