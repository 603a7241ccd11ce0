// "Decode as…"'s form as data: the framing chosen and its options as typed, the `--frame`
// text they make, and the form filled in again from a text typed or in use. The text is
// checked with the grammar's own parser (shared/message-types.ts), so the dialog and the
// engine agree on what is a framing.

import { formatFrameSpec, MESSAGE_PROTOCOLS, parseFrameSpec, type FrameSpec, type MessageProtocol } from '../../../../shared/message-types'

export const FRAME_CHOICES = ['none', 'line', 'delimiter', 'length', 'fixed', 'ksy', 'script', ...MESSAGE_PROTOCOLS] as const
export type FrameChoice = (typeof FRAME_CHOICES)[number]

export const EOLS = ['any', 'lf', 'crlf'] as const
export const LENGTH_SIZES = ['1', '2', '4', '8'] as const
export const ENDIANS = ['big', 'little'] as const

export interface FrameDraft {
  kind: FrameChoice
  eol: (typeof EOLS)[number]
  hex: string
  size: (typeof LENGTH_SIZES)[number]
  endian: (typeof ENDIANS)[number]
  offset: string
  adjust: string
  fixedSize: string
  /** A `.ksy` file's path on the engine's host, and the plain framing it is cut by (empty: the file's own end). */
  ksyPath: string
  within: string
  /** A framing script's path on the engine's host (its frame() and describe()). */
  scriptPath: string
  /** Empty: the default (16 MiB). */
  max: string
}

export const emptyDraft = (): FrameDraft => ({ kind: 'length', eol: 'any', hex: '0d0a', size: '2', endian: 'big', offset: '0', adjust: '0', fixedSize: '8', ksyPath: '', within: '', scriptPath: '', max: '' })

const set = (v: string): boolean => v.trim() !== '' && v.trim() !== '0'

/** The `--frame` text of a draft, options at their defaults left out (`length:size=2,endian=little`). */
export function draftSpec(d: FrameDraft): string {
  const join = (kind: string, parts: Array<string | false>): string => {
    const p = parts.filter((x): x is string => !!x)
    return p.length ? `${kind}:${p.join(',')}` : kind
  }
  const max = d.max.trim() !== '' && `max=${d.max.trim()}`
  switch (d.kind) {
    case 'none':
      return 'none'
    case 'line':
      return join('line', [d.eol !== 'any' && `eol=${d.eol}`, max])
    case 'delimiter':
      return join('delimiter', [`hex=${d.hex.trim()}`, max])
    case 'length':
      return join('length', [`size=${d.size}`, d.endian !== 'big' && `endian=${d.endian}`, set(d.offset) && `offset=${d.offset.trim()}`, set(d.adjust) && `adjust=${d.adjust.trim()}`, max])
    case 'fixed':
      return `fixed:size=${d.fixedSize.trim()}`
    case 'ksy':
      return `ksy:${d.ksyPath.trim()}${d.within.trim() !== '' ? `,within=${d.within.trim()}` : ''}`
    case 'script':
      return `script:${d.scriptPath.trim()}`
    default:
      return d.kind
  }
}

/** Why `text` is no framing (the parser's one line), or undefined when it is one. */
export function specProblem(text: string): string | undefined {
  try {
    parseFrameSpec(text)
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

/** The draft a framing's text describes (the rest of `base` kept), or undefined when it is none. */
export function draftOf(text: string, base: FrameDraft): FrameDraft | undefined {
  let spec: FrameSpec
  try {
    spec = parseFrameSpec(text)
  } catch {
    return undefined
  }
  const max = (m: number): string => {
    const s = formatFrameSpec({ kind: 'line', eol: 'any', max: m })
    return s.startsWith('line:max=') ? s.slice('line:max='.length) : ''
  }
  switch (spec.kind) {
    case 'none':
      return { ...base, kind: 'none' }
    case 'line':
      return { ...base, kind: 'line', eol: spec.eol, max: max(spec.max) }
    case 'delimiter':
      return { ...base, kind: 'delimiter', hex: Array.from(spec.delimiter, (b) => b.toString(16).padStart(2, '0')).join(''), max: max(spec.max) }
    case 'length':
      return { ...base, kind: 'length', size: String(spec.size) as FrameDraft['size'], endian: spec.endian, offset: String(spec.offset), adjust: String(spec.adjust), max: max(spec.max) }
    case 'fixed':
      return { ...base, kind: 'fixed', fixedSize: String(spec.size) }
    case 'ksy':
      return { ...base, kind: 'ksy', ksyPath: spec.path, within: spec.within ? formatFrameSpec(spec.within) : '' }
    case 'script':
      return { ...base, kind: 'script', scriptPath: spec.path }
    case 'protocol':
      return { ...base, kind: spec.protocol satisfies MessageProtocol }
  }
}

/** The same framing, however written (`length:size=2,endian=big` is `length:size=2`). */
export function sameSpec(a: string, b: string): boolean {
  try {
    return formatFrameSpec(parseFrameSpec(a)) === formatFrameSpec(parseFrameSpec(b))
  } catch {
    return a.trim() === b.trim()
  }
}
