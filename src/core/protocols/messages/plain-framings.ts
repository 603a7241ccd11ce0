// The framings a user chooses for a protocol tcpscope does not know ("decode as"): lines, a
// delimiter, a length prefix, a fixed size. A message is its bytes, the framing shown as a
// field; its summary is its payload as text, or hex.

import type { Direction } from '../../../shared/capture-types'
import { formatBytes } from '../../../shared/human-readable'
import type { FrameSpec, MessageField, PlainFrameSpec } from '../../../shared/message-types'
import type { ConnectionCodec, Described, Measure, MessageCodec } from './message-codec'
import { field, line, shown, uint } from './field-values'

type Plain = PlainFrameSpec

const noState = (measure: (buf: Uint8Array) => Measure): ConnectionCodec => ({ measure: (_dir: Direction, buf: Uint8Array) => measure(buf), note: () => ({}) })

const tooLong = (max: number): Measure => ({ error: `no message end within ${formatBytes(max)} (max=): cutting stops here`, length: max })

function payloadDescribed(msg: Uint8Array, head: number, tail: number, extra: MessageField[], label: string): Described {
  const payload = msg.subarray(head, Math.max(head, msg.length - tail))
  const text = shown(payload)
  return {
    summary: line(`${label}${text}`),
    fields: [...extra, field('payload', text, head, payload.length)]
  }
}

export function plainCodec(spec: Plain): MessageCodec {
  switch (spec.kind) {
    case 'line':
      return {
        name: 'line',
        open: () =>
          noState((buf) => {
            const n = Math.min(buf.length, spec.max)
            for (let i = 0; i < n; i++) {
              const b = buf[i]
              if (b === 10 && spec.eol !== 'crlf') return i + 1
              if (b === 10 && spec.eol === 'crlf' && i > 0 && buf[i - 1] === 13) return i + 1
              if (b === 13 && spec.eol === 'any') {
                if (i + 1 >= buf.length) return i + 1 < spec.max ? { need: i + 2 } : i + 1
                return buf[i + 1] === 10 ? i + 2 : i + 1
              }
            }
            return buf.length >= spec.max ? tooLong(spec.max) : { need: buf.length + 1 }
          }),
        describe: (_dir, msg) => {
          let eol = 0
          if (msg[msg.length - 1] === 10) eol = msg[msg.length - 2] === 13 ? 2 : 1
          else if (msg[msg.length - 1] === 13) eol = 1
          const d = payloadDescribed(msg, 0, eol, [], '')
          if (eol) d.fields.push(field('line end', eol === 2 ? 'CRLF' : msg[msg.length - 1] === 10 ? 'LF' : 'CR', msg.length - eol, eol))
          return d
        }
      }
    case 'delimiter': {
      const d = spec.delimiter
      return {
        name: 'delimiter',
        open: () =>
          noState((buf) => {
            const n = Math.min(buf.length, spec.max + d.length)
            outer: for (let i = 0; i + d.length <= n; i++) {
              for (let j = 0; j < d.length; j++) if (buf[i + j] !== d[j]) continue outer
              return i + d.length
            }
            return buf.length >= spec.max + d.length ? tooLong(spec.max) : { need: buf.length + 1 }
          }),
        describe: (_dir, msg, _note, length) => {
          const ends = length === msg.length && msg.length >= d.length && d.every((b, i) => msg[msg.length - d.length + i] === b)
          const out = payloadDescribed(msg, 0, ends ? d.length : 0, [], '')
          if (ends) out.fields.push(field('delimiter', shown(d), msg.length - d.length, d.length))
          return out
        }
      }
    }
    case 'length': {
      const head = spec.offset + spec.size
      return {
        name: 'length',
        open: () =>
          noState((buf) => {
            if (buf.length < head) return { need: head }
            const declared = uint(buf, spec.offset, spec.size, spec.endian === 'little') + spec.adjust
            if (declared < 0) return { error: `the length field says ${declared - spec.adjust}, which adjust=${spec.adjust} makes negative: cutting stops here` }
            if (declared > spec.max) return { error: `the length field declares ${declared.toLocaleString("en-US")} bytes, over the ${formatBytes(spec.max)} limit (max=): cutting stops here` }
            return head + declared
          }),
        describe: (_dir, msg, _note, length) => {
          const declared = msg.length >= head ? uint(msg, spec.offset, spec.size, spec.endian === 'little') : 0
          const fields: MessageField[] = []
          if (spec.offset > 0) fields.push(field('header', shown(msg.subarray(0, spec.offset)), 0, spec.offset))
          fields.push(field('length', `${declared}${spec.adjust ? ` (${declared + spec.adjust} bytes follow)` : ''}`, spec.offset, spec.size))
          const out = payloadDescribed(msg, head, 0, fields, `[${length - head}] `)
          return out
        },
        refit: (_dir, edited) => refitLength(spec, edited)
      }
    }
    case 'fixed':
      return {
        name: 'fixed',
        open: () => noState(() => spec.size),
        describe: (_dir, msg) => payloadDescribed(msg, 0, 0, [], ''),
        refit: (_dir, edited) => (edited.length === spec.size ? edited : { error: `a fixed:size=${spec.size} message is ${spec.size} bytes; the edit is ${edited.length}` })
      }
  }
}

type LengthSpec = Extract<FrameSpec, { kind: 'length' }>

/** The edit with its length field saying what follows it now (less `adjust`), in the field's size and byte order. */
function refitLength(spec: LengthSpec, edited: Uint8Array): Uint8Array | { error: string } {
  const head = spec.offset + spec.size
  if (edited.length < head) return { error: `the edit is ${edited.length} bytes, shorter than the ${head}-byte header (offset=${spec.offset}, size=${spec.size})` }
  const value = edited.length - head - spec.adjust
  if (value < 0) return { error: `the edit's ${edited.length - head} bytes after the length field are fewer than adjust=${spec.adjust} takes away` }
  if (value > spec.max) return { error: `the edit declares ${formatBytes(value)}, over the ${formatBytes(spec.max)} limit (max=)` }
  if (spec.size < 8 && value >= 2 ** (8 * spec.size)) return { error: `${value} does not fit a ${spec.size}-byte length field` }
  const out = new Uint8Array(edited)
  let v = value
  for (let i = 0; i < spec.size; i++) {
    out[spec.endian === 'little' ? spec.offset + i : spec.offset + spec.size - 1 - i] = v % 256
    v = Math.floor(v / 256)
  }
  return out
}
