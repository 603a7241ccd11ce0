// Turns a user's script into a module inside the worker, and says where in the user's own
// file something went wrong. TypeScript loses only its types (amaro's strip-only mode blanks
// them, so every line stays where it was), and the code is imported from a data: URL whose
// `//# sourceURL` is the user's file: stack frames then name hooks.ts:3, not a copy. Nothing
// is written next to the user's file. A data: URL resolves no relative or package imports,
// so a script imports node: modules only; the one-line error says so.

import { basename } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Script } from 'node:vm'

/**
 * amaro (swc, as WebAssembly), loaded when a script first needs it: a TypeScript file, or a
 * syntax error to place. Loading it took about 75 ms of a thread's start, which every script
 * and framing thread paid, a plain JavaScript one too.
 */
let amaro: Promise<typeof import('amaro')> | undefined
const loadAmaro = (): Promise<typeof import('amaro')> => (amaro ??= import('amaro'))

/** A script that cannot be loaded, in one line that names its file (and line when known). */
export class ScriptLoadError extends Error {}

const MAX_TEXT = 300

export function isTypeScript(path: string): boolean {
  return /\.(ts|mts|cts)$/i.test(path)
}

/** The module's exports, or a ScriptLoadError. */
export async function importScript(path: string, source: string): Promise<Record<string, unknown>> {
  const code = isTypeScript(path) ? await stripTypes(path, source) : source
  const url = `data:text/javascript;base64,${Buffer.from(`${code}\n//# sourceURL=${pathToFileURL(path).href}\n`).toString('base64')}`
  try {
    // eslint-disable-next-line layering/imports -- the user's own script, which no layer of ours owns
    return (await import(url)) as Record<string, unknown>
  } catch (err) {
    throw new ScriptLoadError(await describeLoadError(err, path, source))
  }
}

async function stripTypes(path: string, source: string): Promise<string> {
  const { transformSync } = await loadAmaro()
  try {
    return transformSync(source, { mode: 'strip-only' }).code
  } catch (err) {
    const found = swcError(err)
    throw new ScriptLoadError(`${path}${found.line ? `:${found.line}` : ''}: ${found.message}`)
  }
}

async function describeLoadError(err: unknown, path: string, source: string): Promise<string> {
  const code = (err as { code?: unknown } | null)?.code
  if (code === 'ERR_UNSUPPORTED_RESOLVE_REQUEST' || code === 'ERR_MODULE_NOT_FOUND') {
    const what = /specifier "([^"]*)"/.exec(describeThrown(err))?.[1]
    return `${path} cannot import ${what ? `"${what}"` : 'a module'}: a script may import node: modules only (node:fs, node:crypto, ...)`
  }
  if (err instanceof SyntaxError) {
    const line = await syntaxErrorLine(err, source)
    return `${path}${line ? `:${line}` : ''}: ${describeThrown(err)}`
  }
  const line = lineIn(err, path)
  return `${path}${line ? `:${line}` : ''} threw while loading: ${describeThrown(err)}`
}

/**
 * V8 gives a module's syntax error no position. swc (amaro) parses the same code and says
 * where; failing that, the same code compiled as a plain script says where when its error
 * is the same one (a module's import and export statements are errors of their own there).
 */
async function syntaxErrorLine(err: SyntaxError, source: string): Promise<number | undefined> {
  const { transformSync } = await loadAmaro()
  try {
    transformSync(source, { mode: 'strip-only' })
  } catch (swc) {
    const found = swcError(swc)
    if (found.line) return found.line
  }
  try {
    new Script(source, { filename: 'script' })
  } catch (asScript) {
    const line = asScript instanceof SyntaxError && asScript.message === err.message ? /^script:(\d+)/.exec(asScript.stack ?? '')?.[1] : undefined
    if (line !== undefined) return Number(line)
  }
  return undefined
}

/** amaro throws swc's report as a string: `  x message`, a `,-[line:col]` header, the lines with a caret. */
function swcError(err: unknown): { message: string; line?: number } {
  const text = typeof err === 'string' ? err : err instanceof Error ? err.message : String(err)
  const message = oneLine((/^\s*x\s+(.*)$/m.exec(text)?.[1] ?? text).trim())
  const header = /,-\[(\d+):\d+\]/.exec(text)
  if (header) return { message, line: Number(header[1]) }
  const numbered = [...text.matchAll(/^\s*(\d+) \|/gm)]
  return { message, line: numbered.length ? Number(numbered[numbered.length - 1][1]) : undefined }
}

/** The line in the user's file where an error was raised: its stack's first frame there. */
export function lineIn(err: unknown, path: string): number | undefined {
  const stack = err instanceof Error ? err.stack : undefined
  if (!stack) return undefined
  const url = pathToFileURL(path).href
  const at = stack.indexOf(`${url}:`)
  if (at < 0) return undefined
  const line = /^:(\d+)/.exec(stack.slice(at + url.length))?.[1]
  return line === undefined ? undefined : Number(line)
}

/** `hooks.js:3`, or `hooks.js` when the error did not come from a line of it. */
export function whereIn(err: unknown, path: string): string {
  const line = lineIn(err, path)
  return `${basename(path)}${line === undefined ? '' : `:${line}`}`
}

/** An error's text on one line: its message, with its kind when that says more than "Error". */
export function describeThrown(err: unknown): string {
  if (err instanceof Error) return oneLine(err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message)
  try {
    return oneLine(String(err))
  } catch {
    return 'a value that cannot be shown'
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' ').trim()
  return flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT)}…` : flat
}
