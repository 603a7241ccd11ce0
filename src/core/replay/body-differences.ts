// How two response bodies differ, on their content as a person reads it (content coding
// already undone, see comparison-content.ts): JSON by the path of each value that changed
// plus a line diff of the pretty JSON, text by a line diff, and only binary by its bytes.
// A gRPC body reads as its messages' fields (grpc-content.ts), compared as JSON is.
// Callers pass at most MAX_COMPARED_BODY of each; past that they compare bytes instead.

import { bodyType } from '../../shared/body-type'
import type { BodyComparison, ReadableContent } from '../../shared/response-comparison-types'
import { grpcKind } from '../../shared/protocol-types'
import { grpcMessagesValue } from './grpc-content'
import { jsonChanges } from './json-differences'
import { lineDiff } from './line-diff'

export interface ComparedBody {
  /** The content, its coding undone (or as sent when it could not be). */
  bytes: Uint8Array
  /** `bytes` is all of it (else a character cut at its end is no sign of binary). */
  whole: boolean
  /** The message's Content-Type. */
  type?: string
  /** A gRPC message's grpc-encoding, for its compressed messages. */
  grpcEncoding?: string
}

export interface ReadContent {
  bytes: Uint8Array
  form: ReadableContent['form']
  charset: string
  text?: string
  json?: unknown
}

/** Control characters other than tab, CR and LF (and form feed, which text uses): not text a person reads. */
const CONTROL = /[\x00-\x08\x0b\x0e-\x1f\x7f]/
/** The bytes of the binary window shown around the first difference. */
const WINDOW = 64

/** The WHATWG name TextDecoder knows `label` by; utf-8 for one it does not know. */
function decoderName(label: string): string {
  try {
    return new TextDecoder(label).encoding
  } catch {
    return 'utf-8'
  }
}

/**
 * As the body pipeline types it (shared/body-type.ts): JSON when its type says so or it
 * looks like an object or array, and it parses; text in its charset; binary when its type
 * says so, or its bytes are not text in that charset.
 */
export function readContent(body: ComparedBody): ReadContent {
  // gRPC: its messages' fields, compared as JSON values are.
  const grpc = grpcKind(body.type) === 'grpc' && body.whole ? grpcMessagesValue(body.bytes, body.grpcEncoding) : undefined
  if (grpc !== undefined) return { bytes: body.bytes, form: 'json', charset: 'utf-8', text: JSON.stringify(grpc), json: grpc }
  const type = bodyType(body.type ?? '', body.bytes.subarray(0, 512))
  const charset = decoderName(type.charset)
  if (type.kind === 'binary' || type.kind === 'image') return { bytes: body.bytes, form: 'binary', charset }
  let text: string
  try {
    text = new TextDecoder(charset, { fatal: true, ignoreBOM: false }).decode(body.bytes, { stream: !body.whole })
  } catch {
    return { bytes: body.bytes, form: 'binary', charset }
  }
  if (CONTROL.test(text)) return { bytes: body.bytes, form: 'binary', charset }
  if (body.whole && (type.kind === 'json' || /^\s*[[{]/.test(text))) {
    try {
      return { bytes: body.bytes, form: 'json', charset, text, json: JSON.parse(text) as unknown }
    } catch {
      // Not JSON after all: read as text.
    }
  }
  return { bytes: body.bytes, form: 'text', charset, text }
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)

/** What differs from the recorded body to the replayed one (both read whole by readContent). */
export function compareBodies(a: ReadContent, b: ReadContent): BodyComparison {
  if (sameBytes(a.bytes, b.bytes)) return { kind: 'same' }
  if (a.form === 'binary' || b.form === 'binary') return binaryDifference(a.bytes, b.bytes)
  if (a.form === 'json' && b.form === 'json') {
    const { changes, count } = jsonChanges(a.json, b.json)
    return { kind: 'json', changes, changeCount: count, lines: prettyLineDiff(a, b) }
  }
  return { kind: 'text', lines: lineDiff(a.text!, b.text!) }
}

/** The line diff of both documents pretty-printed; of their text as sent when one is nested too deep to print. */
function prettyLineDiff(a: ReadContent, b: ReadContent): ReturnType<typeof lineDiff> {
  try {
    return lineDiff(JSON.stringify(a.json, null, 2) + '\n', JSON.stringify(b.json, null, 2) + '\n')
  } catch {
    return lineDiff(a.text!, b.text!)
  }
}

function binaryDifference(a: Uint8Array, b: Uint8Array): BodyComparison {
  const common = Math.min(a.length, b.length)
  let first = 0
  while (first < common && a[first] === b[first]) first++
  const at = first - (first % 16)
  return { kind: 'binary', firstDifference: first, at, recorded: a.slice(at, at + WINDOW), replayed: b.slice(at, at + WINDOW) }
}
