// What a `websocket` matcher and a script's onMessage read of one whole WebSocket message
// (rule-match.ts WebSocketFacts): its direction, opcode, text (a text message's, a close
// frame's reason) and that text read as JSON, worked out when first asked; and its summary
// for records (`text "hello"`, `binary 12 bytes`, `close 1000 "bye"`).

import type { Direction } from '../../../shared/direction'
import { OPCODES } from '../../protocols/websocket/ws-frame'
import type { WebSocketFacts } from '../rule-match'

const utf8 = new TextDecoder()
/** Characters of a text a summary quotes. */
const SHOWN = 60

export const TEXT = 1
export const BINARY = 2
export const CLOSE = 8

export class WsMessageFacts implements WebSocketFacts {
  private decoded: { text: string | undefined } | undefined
  private parsed: { value: unknown } | undefined

  constructor(
    readonly dir: Direction,
    readonly opcode: number,
    /** The payload, unmasked and inflated; undefined when it could not be inflated. */
    readonly payload: Buffer | undefined
  ) {}

  /** Decoded when first read: a rule on the opcode alone never decodes a 16 MiB text. */
  get text(): string | undefined {
    if (this.decoded === undefined) {
      const p = this.payload
      this.decoded = { text: p === undefined ? undefined : this.opcode === TEXT ? utf8.decode(p) : this.opcode === CLOSE && p.length >= 2 ? utf8.decode(p.subarray(2)) : undefined }
    }
    return this.decoded.text
  }

  get json(): unknown {
    if (this.parsed === undefined) {
      let value: unknown
      if (this.opcode === TEXT && this.text !== undefined && /^\s*[[{"\d\-tfn]/.test(this.text)) {
        try {
          value = JSON.parse(this.text)
        } catch {
          value = undefined
        }
      }
      this.parsed = { value }
    }
    return this.parsed.value
  }

  /** Its opcode's name, or its number when it has none. */
  get opcodeName(): string | number {
    return OPCODES[this.opcode] ?? this.opcode
  }

  get summary(): string {
    const name = this.opcodeName
    const kind = typeof name === 'number' ? `opcode ${name}` : name
    const p = this.payload
    if (p === undefined) return `${kind} (compressed, not inflated)`
    if (this.opcode === TEXT) return `text ${quote(this.text ?? '')}`
    if (this.opcode === CLOSE) return p.length >= 2 ? `close ${p.readUInt16BE(0)}${this.text ? ` ${quote(this.text)}` : ''}` : 'close'
    return p.length === 0 ? kind : `${kind} ${p.length} bytes`
  }

  /** The fields a script is given: plain data, to cross to its thread. */
  fields(): Record<string, unknown> {
    const out: Record<string, unknown> = { opcode: this.opcodeName }
    if (this.text !== undefined) out.text = this.text
    if (this.opcode === CLOSE && this.payload !== undefined && this.payload.length >= 2) out.code = this.payload.readUInt16BE(0)
    const json = this.json
    if (json !== undefined) out.json = json
    return out
  }
}

function quote(text: string): string {
  const shown = text.length > SHOWN ? `${text.slice(0, SHOWN - 1)}…` : text
  return JSON.stringify(shown)
}
