// What the engine and the Kaitai Struct compiler's process (ksy-compiler-child.ts) say to
// each other: a `.ksy` to compile, the files it imports, and the compiled JavaScript or why not.

export type CompilerRequest = { kind: 'compile'; id: number; yaml: unknown } | { kind: 'imported'; importId: number; value?: unknown; error?: string }

export type CompilerReply =
  | { kind: 'import'; id: number; importId: number; name: string; mode: string }
  | { kind: 'compiled'; id: number; files: Record<string, string> }
  | { kind: 'failed'; id: number; error: { message: string; kind?: string } }

/** `TypeUndecidedError` of a Scala.js throwable (its toString is `io.kaitai...TypeUndecidedError: a`); undefined for any other error. */
export function throwableName(err: unknown): string | undefined {
  if (typeof (err as { jl_Throwable__f_s?: unknown })?.jl_Throwable__f_s !== 'string') return undefined
  return /^[\w.$]*?([\w$]+)(?::|$)/.exec(String(err))?.[1]
}
