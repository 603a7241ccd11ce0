// An HTTP/1 message handed to a user's script hook and back (script/script-types.ts): the
// script sees the decoded body and headers in wire order; what it changed is written back
// through the same path a rule's rewrite takes (codings done again, Content-Length fitted).

import { nodeHttp } from '../lazy-builtins'
import type { EditableRequest, EditableResponse, RequestHeader } from '../../shared/http-request-edit'
import type { ScriptRequest, ScriptResponse } from './script/script-types'
import { readBody, withBody } from './http-edit'

const pairs = (headers: readonly RequestHeader[]): [string, string][] => headers.map((h) => [h.name, h.value])
const fromPairs = (headers: readonly [string, string][]): RequestHeader[] => headers.map(([name, value]) => ({ name, value }))

export async function scriptRequestOf(r: EditableRequest, connId: number): Promise<ScriptRequest> {
  const body = await readBody(r)
  let path = r.target
  try {
    path = new URL(r.target, 'http://x').pathname
  } catch {
    // A target that is no URL: the script sees it as it came.
  }
  return { method: r.method, url: r.target, path, headers: pairs(r.headers), body: body.content, connId }
}

const codingsOf = (headers: readonly RequestHeader[]): string => headers.filter((h) => h.name.toLowerCase() === 'content-encoding').map((h) => h.value.trim().toLowerCase()).join(',')

/** Whether the script left the body it was given (`seen`, decoded) and its content codings as they were. */
const sameBody = (seen: Uint8Array | undefined, now: Uint8Array, before: readonly RequestHeader[], after: readonly RequestHeader[]): boolean =>
  seen !== undefined && Buffer.from(seen.buffer, seen.byteOffset, seen.byteLength).equals(now) && codingsOf(before) === codingsOf(after)

/**
 * The request as the script left it; `notes` says what could not be kept (a coding this Node
 * cannot do). Given `seen` (the body the hook was given), a body the hook left alone keeps
 * its bytes as they came, not encoded again.
 */
export async function requestFromScript(original: EditableRequest, changed: ScriptRequest, notes: string[], seen?: Uint8Array): Promise<EditableRequest> {
  const r: EditableRequest = { ...original, method: changed.method, target: changed.url, headers: fromPairs(changed.headers) }
  if (sameBody(seen, changed.body, original.headers, r.headers)) return r
  return withBody(r, changed.body, notes)
}

export async function scriptResponseOf(r: EditableResponse): Promise<ScriptResponse> {
  const body = await readBody(r)
  return { status: Number(r.status), reason: r.reason, headers: pairs(r.headers), body: body.content }
}

export async function responseFromScript(original: EditableResponse, changed: ScriptResponse, notes: string[], seen?: Uint8Array): Promise<EditableResponse> {
  const status = String(changed.status)
  // A new status with the old reason phrase would read "418 OK": the reason follows the status unless the script set one.
  const keptReason = changed.reason === undefined || changed.reason === original.reason
  const reason = changed.status === Number(original.status) ? (changed.reason ?? original.reason) : keptReason ? (nodeHttp().STATUS_CODES[changed.status] ?? '') : changed.reason!
  const r: EditableResponse = { ...original, status, reason, headers: fromPairs(changed.headers) }
  if (sameBody(seen, changed.body, original.headers, r.headers)) return r
  return withBody(r, changed.body, notes)
}

/** A response a script answers with instead of the target's. */
export function scriptAnswer(r: ScriptResponse, method: string, keepAlive: boolean): Buffer {
  const lines = [`HTTP/1.1 ${r.status} ${r.reason ?? nodeHttp().STATUS_CODES[r.status] ?? 'Unknown'}`]
  for (const [name, value] of r.headers) {
    const lower = name.toLowerCase()
    if (lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection' || /[\r\n]/.test(name + value)) continue
    lines.push(`${name}: ${value}`)
  }
  const noBody = method === 'HEAD' || r.status === 204 || r.status === 304
  lines.push(`content-length: ${r.body.length}`, `connection: ${keepAlive ? 'keep-alive' : 'close'}`, '', '')
  const head = Buffer.from(lines.join('\r\n'), 'latin1')
  return noBody ? head : Buffer.concat([head, r.body])
}
