// A user's script in a folder of its own, hosted by the built worker (out/cli/script-worker.cjs,
// built by the suite's global setup), and closed after each test: each test file calls
// `afterEach(cleanupScripts)` (a hook registered here would serve only the first file to
// load this module, as the engine's test files share one module graph).
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ScriptHost } from '../../../../src/core/rules/script/script-host'
import type { ScriptHostOptions, ScriptRequest, ScriptResponse } from '../../../../src/core/rules/script/script-types'
import { tempDir } from '../../../helpers/net'

export const scriptWorkerFile = resolve(__dirname, '../../../../out/cli/script-worker.cjs')

const cleanups: Array<() => Promise<void> | void> = []

export async function cleanupScripts(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c()
}

export interface Hosted {
  host: ScriptHost
  path: string
  reports: string[]
}

/** Writes the script to a new folder (named `name`) and hosts it. */
export async function hostScript(code: string, opts: ScriptHostOptions & { name?: string } = {}): Promise<Hosted> {
  const path = await writeScript(code, opts.name)
  const reports: string[] = []
  const host = await ScriptHost.load(path, { workerFile: scriptWorkerFile, watch: false, report: (line) => reports.push(line), ...opts })
  cleanups.push(() => host.close())
  return { host, path, reports }
}

export async function writeScript(code: string, name = 'hooks.js'): Promise<string> {
  const { dir, cleanup } = tempDir('tcpscope-script-')
  cleanups.push(cleanup)
  const path = join(dir, name)
  await writeFile(path, code)
  return path
}

export function closeLater(host: ScriptHost): void {
  cleanups.push(() => host.close())
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : decoder.decode(bytes)
}

export function request(over: Partial<ScriptRequest> & { text?: string } = {}): ScriptRequest {
  const { text: body, ...rest } = over
  return { method: 'GET', url: '/things?x=1', path: '/things', headers: [['Host', 'example.test'], ['Accept', '*/*']], body: encoder.encode(body ?? ''), connId: 7, ...rest }
}

export function response(over: Partial<ScriptResponse> & { text?: string } = {}): ScriptResponse {
  const { text: body, ...rest } = over
  return { status: 200, reason: 'OK', headers: [['Content-Type', 'text/plain']], body: encoder.encode(body ?? 'hello'), ...rest }
}
