// A gRPC (or gRPC-Web) call's messages in `tcpscope show`, read through grpc.messages a page
// at a time: in text, each message's line and its protobuf fields as an indented tree
// (`1: 150 (varint)`, `2 {` … `}`), like `protoc --decode_raw`, named when .proto files were
// loaded (--proto); in JSON, one `{"type":"message","protocol":"grpc",…}` line per message
// with its fields as objects. The call's status comes with the response side.

import type { GrpcCall, GrpcMessage, GrpcMessagePage, ProtoField } from '../../shared/grpc-types'
import { formatBytes, formatTimestamp } from '../../shared/human-readable'
import { terminalSafe } from '../chunk-view'
import type { OutputBatches } from '../output'
import { shownNumber, type ShownConnection } from './show-facts'

/** Pages of one side of a call, as grpc.messages gives them. */
export type GrpcPages = (from: number) => Promise<GrpcMessagePage>

const ARROWS = { client: 'client ->', server: 'server <-' } as const

function fieldLines(fields: ProtoField[], depth: number, out: string[]): void {
  const pad = '  '.repeat(depth)
  for (const f of fields) {
    const label = f.name !== undefined ? `${f.number} ${f.name}` : String(f.number)
    if (f.children !== undefined && (f.kind === 'message' || f.kind === 'group' || f.kind === 'packed')) {
      out.push(`${pad}${label}${f.typeName ? ` (${f.typeName})` : ''} {`)
      fieldLines(f.children, depth + 1, out)
      if (f.omitted) out.push(`${pad}  … ${f.omitted} more field(s)`)
      out.push(`${pad}}`)
    } else {
      const readings = f.readings?.map((r) => `${r.as} ${r.value}`).join(', ')
      out.push(`${pad}${label}: ${terminalSafe(f.value)}${f.cut ? '…' : ''} (${f.kind}${readings ? `; ${readings}` : ''})${f.problem ? ` [${terminalSafe(f.problem)}]` : ''}`)
    }
  }
}

function callLine(call: GrpcCall): string | undefined {
  if (call.status === undefined) return undefined
  return `grpc-status: ${call.status} ${call.statusName ?? ''}${call.message ? ` (${terminalSafe(call.message)})` : ''}`
}

/** Every message of one side, in text; returns the call as the last page said it. */
export async function printGrpcSide(out: OutputBatches, conn: ShownConnection, exchange: number, pages: GrpcPages): Promise<GrpcCall | undefined> {
  let call: GrpcCall | undefined
  for (let from = 0; ; ) {
    const page = await pages(from)
    call = page.call
    if (from === 0 && page.schemaNote) out.add(`(${terminalSafe(page.schemaNote)})\n`)
    for (const m of page.messages) {
      const lines: string[] = []
      fieldLines(m.fields, 1, lines)
      if (m.omitted) lines.push(`  … ${m.omitted} more field(s)`)
      out.add(`\n#${conn.id} exchange ${shownNumber(exchange)} gRPC message ${shownNumber(m.index)} ${ARROWS[m.dir]} ${formatTimestamp(m.startedAt, false)} ${formatBytes(m.size)}${messageFlags(m)}${m.type ? ` ${m.type}` : ''}\n`)
      if (m.problem) out.add(`  (${terminalSafe(m.problem)})\n`)
      if (lines.length > 0) out.add(lines.join('\n') + '\n')
      await out.put('')
    }
    for (const p of from === 0 ? page.problems : []) out.add(`(${terminalSafe(p)})\n`)
    from += page.messages.length
    if (page.messages.length === 0 || from >= page.total) break
  }
  return call
}

function messageFlags(m: GrpcMessage): string {
  const flags = [m.compressed ? `compressed${m.decodedSize !== undefined ? `, ${formatBytes(m.decodedSize)} inflated` : ''}` : '', m.complete ? '' : 'incomplete'].filter((f) => f !== '')
  return flags.length > 0 ? ` (${flags.join(', ')})` : ''
}

/** The call's status after its messages, in text. */
export async function printGrpcStatus(out: OutputBatches, call: GrpcCall | undefined): Promise<void> {
  const line = call && callLine(call)
  if (line) await out.put(line + '\n')
}

/** Every message of one side, one JSON line each. */
export async function writeGrpcSideJson(out: OutputBatches, conn: ShownConnection, exchange: number, pages: GrpcPages): Promise<void> {
  for (let from = 0; ; ) {
    const page = await pages(from)
    for (const m of page.messages) {
      const line: Record<string, unknown> = {
        type: 'message',
        conn: conn.id,
        protocol: page.call.kind,
        exchange: shownNumber(exchange),
        method: page.call.method,
        message: shownNumber(m.index),
        dir: m.dir,
        time: m.startedAt,
        size: m.size,
        complete: m.complete,
        fields: m.fields
      }
      if (m.compressed) line.compressed = true
      if (m.decodedSize !== undefined) line.decodedSize = m.decodedSize
      if (m.type !== undefined) line.messageType = m.type
      if (m.omitted) line.omitted = m.omitted
      if (m.problem) line.problem = m.problem
      await out.put(JSON.stringify(line) + '\n')
    }
    from += page.messages.length
    if (page.messages.length === 0 || from >= page.total) return
  }
}
