// The Kaitai Struct compiler in a process of its own (forked by ksy-compiler-process.ts when
// this file is built beside the engine): kaitai-struct-compiler is GPL-3.0, and tcpscope
// runs it as a separate program that it talks to over IPC, never in its own process. It
// takes a `.ksy` (already parsed from YAML) and answers with the compiled JavaScript, asking
// its parent for each file the `.ksy` imports.

import compiler from 'kaitai-struct-compiler'
import { throwableName, type CompilerReply, type CompilerRequest } from './ksy-compiler-messages'

const imports = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
let nextImport = 0

const send = (m: CompilerReply): void => void process.send?.(m)

process.on('message', (m: CompilerRequest) => {
  if (m.kind === 'imported') {
    const waiting = imports.get(m.importId)
    imports.delete(m.importId)
    if (m.error !== undefined) waiting?.reject(new Error(m.error))
    else waiting?.resolve(m.value)
    return
  }
  const importer = {
    importYaml: (name: string, mode: string): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const importId = nextImport++
        imports.set(importId, { resolve, reject })
        send({ kind: 'import', id: m.id, importId, name, mode })
      })
  }
  compiler.compile('javascript', m.yaml, importer, true).then(
    (files) => send({ kind: 'compiled', id: m.id, files }),
    // The compiler's errors are Scala.js throwables: their text is in jl_Throwable__f_s, and
    // their class (TypeUndecidedError) says as much as the text ("a") in some.
    (err: unknown) => send({ kind: 'failed', id: m.id, error: { message: String((err as { jl_Throwable__f_s?: unknown })?.jl_Throwable__f_s ?? (err as Error)?.message ?? err), kind: throwableName(err) } })
  )
})
