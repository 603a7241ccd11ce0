// The HTTP/1 response a `respond` step answers with: its status, headers and body (text,
// JSON, a file beside the rules file), framed by Content-Length, keeping the connection as
// the request asked. Built per request: a file may change while the proxy runs.

import { nodeHttp } from '../lazy-builtins'
import { readFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import type { Respond } from '../../shared/rules/rule-types'
import { UserError } from '../net/net-errors'

/** Largest body a respond step reads from a file. */
export const MAX_RESPOND_FILE = 64 * 1024 * 1024

/** The body a respond step gives, and the type it implies. */
export async function respondBody(r: Respond, baseDir: string | undefined): Promise<{ body: Buffer; type?: string }> {
  if (r.json !== undefined) return { body: Buffer.from(JSON.stringify(r.json)), type: 'application/json' }
  if (r.body !== undefined) return { body: Buffer.from(r.body) }
  if (r.text !== undefined) return { body: Buffer.from(r.text) }
  if (r.hex !== undefined) return { body: Buffer.from(r.hex.replace(/\s/g, ''), 'hex') }
  if (r.file !== undefined) {
    const path = isAbsolute(r.file) || baseDir === undefined ? r.file : join(baseDir, r.file)
    try {
      const body = await readFile(path)
      if (body.length > MAX_RESPOND_FILE) throw new UserError(`respond file ${path} is over ${MAX_RESPOND_FILE / 1024 / 1024} MiB`)
      return { body }
    } catch (err) {
      if (err instanceof UserError) throw err
      throw new UserError(`respond file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): fix the rule's file path`)
    }
  }
  return { body: Buffer.alloc(0) }
}

/** The whole response, for a request of `method` that does (or not) keep the connection. */
export async function httpResponseFor(r: Respond, method: string, keepAlive: boolean, baseDir: string | undefined): Promise<Buffer> {
  const status = r.status ?? 200
  const { body, type } = await respondBody(r, baseDir)
  const lines = [`HTTP/1.1 ${status} ${nodeHttp().STATUS_CODES[status] ?? 'Unknown'}`]
  let hasType = false
  for (const [name, value] of Object.entries(r.headers ?? {})) {
    const lower = name.toLowerCase()
    // Framing is ours: a stale length or connection header would contradict it.
    if (lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection') continue
    if (lower === 'content-type') hasType = true
    lines.push(`${name}: ${value}`)
  }
  if (!hasType && type !== undefined) lines.push(`content-type: ${type}`)
  const noBody = method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)
  lines.push(`content-length: ${body.length}`, `connection: ${keepAlive ? 'keep-alive' : 'close'}`, '', '')
  const head = Buffer.from(lines.join('\r\n'), 'latin1')
  return noBody ? head : Buffer.concat([head, body])
}

/** Whether a request keeps its connection open after its response (HTTP/1.1 unless `close`; 1.0 only with keep-alive). */
export function keepsAlive(version: string, connection: string | undefined): boolean {
  const tokens = (connection ?? '').toLowerCase().split(',').map((t) => t.trim())
  if (tokens.includes('close')) return false
  return version !== 'HTTP/1.0' || tokens.includes('keep-alive')
}
