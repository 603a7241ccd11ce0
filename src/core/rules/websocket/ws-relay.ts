// Traffic rules on a WebSocket connection, once an HTTP/1 `Upgrade: websocket` request was
// answered `101 Switching Protocols` (http-response-side.ts hands both directions over here).
// Each direction is cut into whole messages (ws-cutter.ts); each is matched against the
// `websocket` rules (ws-facts.ts says what they read), and goes on as it came, as a rule
// (ws-steps.ts) or the script's onMessage (ws-script.ts) changed it, later, not at all, is
// answered to its sender, or ends the connection.
//
// permessage-deflate (RFC 7692), when the 101 agreed it: a compressed message is inflated to
// be matched (bounded as the decoders are, ws-inflate.ts), every one in order since each may
// refer back into those before. A changed message is sent uncompressed (RSV1 clear), which a
// receiver must accept. With context takeover, a receiver's inflater also remembers every
// compressed message it got: once one was changed, answered or dropped, the sender's next
// ones may refer back to bytes that receiver never saw, so from then on every compressed
// message of that direction is sent uncompressed too (inflated here), and the record says so
// once.
//
// A message worked on is not read past (READ_AHEAD aside); its receiver meanwhile gets
// nothing from that direction, as through any proxy that holds a message.

import type { Direction } from '../../../shared/direction'
import type { ForwardStage, StagePort } from '../../proxy/forward-stage'
import { READ_AHEAD } from '../../breakpoint/read-ahead'
import { inflateRaw } from '../../http/inflate-raw'
import { parseWsExtensions, type WsDeflateParams } from '../../protocols/websocket/ws-extensions'
import { WsInflateContext } from '../../protocols/websocket/ws-inflate'
import type { ConnFacts } from '../rule-match'
import type { RuleEntry, RuleSet } from '../rule-set'
import type { ScriptHost } from '../script/script-host'
import { WsCutter, type WsLetThrough, type WsPiece, type WsWhole } from './ws-cutter'
import { CLOSE, WsMessageFacts } from './ws-facts'
import { WsOutput, closePayload, wsFrame } from './ws-out'
import { runWsScript } from './ws-script'
import { runWsSteps, wsWords, type WsOutcome } from './ws-steps'
import type { WsAt, WsTurnSide } from './ws-turn'

export interface WsRelayDeps {
  rules: RuleSet
  connId: number
  script?: ScriptHost
  conn(): ConnFacts
  baseDir?: string
}

/** What the HTTP/1 stages hand over at the switch. */
export interface WsHandover {
  /** Where each direction's frames start in its stream. */
  start: Record<Direction, number>
  /** The 101's Sec-WebSocket-Extensions, if any. */
  extensions?: string
  /** Each direction's stage port (its output goes to the other peer). */
  ports: Record<Direction, () => StagePort | undefined>
  /** The connection's state and delays, shared with the HTTP stages. */
  conv: { readonly closed: boolean; sleep(ms: number): Promise<void> }
}

/** Whether a connection's rules or script want its WebSocket messages (else the bytes pass as they come, as before). */
export function wantsWebSocket(deps: Pick<WsRelayDeps, 'rules' | 'script'>): boolean {
  return deps.rules.framesWebSocket || deps.script?.has('onMessage') === true
}

/** Whether a request's headers ask for a WebSocket (`Upgrade: websocket`). */
export function asksWebSocket(headers: readonly { name: string; value: string }[] | undefined): boolean {
  return (headers ?? []).some((h) => h.name.toLowerCase() === 'upgrade' && h.value.split(',').some((v) => v.trim().toLowerCase() === 'websocket'))
}

export class WsRelay {
  readonly client: WsSide
  readonly server: WsSide
  readonly deflate: WsDeflateParams | undefined
  private facts: ConnFacts | undefined

  constructor(
    readonly deps: WsRelayDeps,
    readonly handover: WsHandover
  ) {
    this.deflate = parseWsExtensions(handover.extensions)
    this.client = new WsSide('client', this)
    this.server = new WsSide('server', this)
  }

  get closed(): boolean {
    return this.handover.conv.closed
  }

  side(dir: Direction): WsSide {
    return dir === 'client' ? this.client : this.server
  }

  conn(): ConnFacts {
    this.facts ??= this.deps.conn()
    return this.facts
  }

  /** A close step: a Close frame (1000) each way, then a FIN each way. */
  closeBoth(): void {
    const payload = closePayload(1000, 'closed by a tcpscope rule')
    this.client.out.inject(wsFrame(CLOSE, payload, true))
    this.server.out.inject(wsFrame(CLOSE, payload, false))
    this.anyPort()?.close()
  }

  reset(): void {
    this.anyPort()?.reset('rule')
  }

  private anyPort(): StagePort | undefined {
    return this.handover.ports.server() ?? this.handover.ports.client()
  }

  clear(): void {
    this.client.clear()
    this.server.clear()
  }
}

type Item = WsPiece | 'fin'

export class WsSide implements ForwardStage, WsTurnSide {
  /** Toward this side's receiver. */
  readonly out: WsOutput
  private readonly cutter: WsCutter
  private readonly inflate: WsInflateContext | undefined
  /** permessage-deflate with context takeover from this sender. */
  private readonly takeover: boolean
  /** A compressed message was not delivered as it came: later compressed ones go uncompressed. */
  private diverged = false
  private pending: Item[] = []
  private pendingBytes = 0
  private busy = false
  private held = false
  private readonly said = new Set<string>()

  constructor(
    readonly dir: Direction,
    private readonly relay: WsRelay
  ) {
    this.out = new WsOutput(relay.handover.ports[dir])
    const deflate = relay.deflate
    this.cutter = new WsCutter(relay.handover.start[dir], deflate !== undefined)
    const noTakeover = dir === 'client' ? deflate?.clientNoContextTakeover : deflate?.serverNoContextTakeover
    this.takeover = deflate !== undefined && noTakeover !== true
    this.inflate = deflate === undefined ? undefined : new WsInflateContext(this.takeover, inflateRaw)
  }

  get port(): StagePort | undefined {
    return this.relay.handover.ports[this.dir]()
  }

  get closed(): boolean {
    return this.relay.closed
  }

  get connId(): number {
    return this.relay.deps.connId
  }

  get script(): ScriptHost | undefined {
    return this.relay.deps.script
  }

  get baseDir(): string | undefined {
    return this.relay.deps.baseDir
  }

  sleep(ms: number): Promise<void> {
    return this.relay.handover.conv.sleep(ms)
  }

  frame(opcode: number, payload: Uint8Array): Buffer {
    return wsFrame(opcode, payload, this.dir === 'client')
  }

  data(chunk: Buffer): void {
    this.queue(this.cutter.feed(chunk))
    this.pump()
  }

  fin(): void {
    this.queue(this.cutter.finish())
    this.pending.push('fin')
    this.pump()
  }

  clear(): void {
    this.pending = []
    this.pendingBytes = 0
  }

  private queue(pieces: readonly WsPiece[]): void {
    for (const p of pieces) {
      this.pending.push(p)
      this.pendingBytes += p.kind === 'raw' ? p.bytes.length : p.kind === 'message' ? p.wireLength : 0
    }
  }

  private next(): Item | undefined {
    const n = this.pending.shift()
    if (n !== undefined && n !== 'fin') this.pendingBytes -= n.kind === 'raw' ? n.bytes.length : n.kind === 'message' ? n.wireLength : 0
    return n
  }

  private pump(): void {
    while (!this.busy && !this.closed) {
      const item = this.next()
      if (item === undefined) break
      if (item === 'fin') {
        this.port?.end()
        break
      }
      if (item.kind === 'raw') this.out.pass(item.bytes, item.boundary)
      else if (item.kind === 'big') this.letThrough(item)
      else this.take(item)
    }
    this.flow()
  }

  /** Reads on unless READ_AHEAD waits behind a message being worked on. */
  private flow(): void {
    const held = this.pendingBytes > READ_AHEAD
    if (held === this.held || this.closed || this.port === undefined) return
    this.held = held
    this.port.hold(held)
  }

  /** A whole message: the first rule that matches it acts, else the script's onMessage sees it, else it goes on at once. */
  private take(msg: WsWhole): void {
    const payload = this.payloadOf(msg)
    const facts = new WsMessageFacts(this.dir, msg.opcode, payload)
    const rules = this.relay.deps.rules
    const found = rules.find({ conn: this.relay.conn(), websocket: facts }, 'websocket')
    const entry: RuleEntry | undefined = found?.verdict === true ? found.entry : undefined
    const scripted = this.script?.has('onMessage') === true && payload !== undefined
    if (entry === undefined && !scripted) return this.deliver(msg, payload)
    if (entry !== undefined) rules.acted(entry)
    const at: WsAt = { offset: msg.offset, size: msg.wireLength, summary: facts.summary }
    this.busy = true
    this.flow()
    ;(entry !== undefined ? runWsSteps(this, msg, facts, entry, at) : runWsScript(this, msg, facts, at))
      .then((outcome) => this.carryOut(msg, payload, outcome, at))
      .catch((err: unknown) => {
        this.note('', `a rule failed on ${wsWords(this, at)}: ${(err as Error).message?.split('\n')[0] ?? String(err)}; the message went on as it came`, at)
        if (!this.closed) this.deliver(msg, payload)
      })
      .finally(() => {
        this.busy = false
        this.pump()
      })
  }

  private carryOut(msg: WsWhole, payload: Buffer | undefined, outcome: WsOutcome, at: WsAt): void {
    if (this.closed) return
    switch (outcome.kind) {
      case 'pass':
        return this.deliver(msg, payload)
      case 'frame':
        this.out.pass(outcome.frame, true)
        return this.diverge(msg, at)
      case 'respond':
        this.relay.side(this.dir === 'client' ? 'server' : 'client').out.inject(outcome.frame)
        return this.diverge(msg, at)
      case 'drop':
        return this.diverge(msg, at)
      case 'close':
        return this.relay.closeBoth()
      case 'reset':
        return this.relay.reset()
    }
  }

  /** A message on to its receiver as it came; a compressed one uncompressed once this direction diverged. */
  private deliver(msg: WsWhole, payload: Buffer | undefined): void {
    if (msg.compressed && this.diverged) {
      if (payload !== undefined) return this.out.pass(this.frame(msg.opcode, payload), true)
      this.noteOnce('lost', `a compressed message from the ${this.who} could not be inflated to be sent uncompressed: it went as it came, and the receiver may not read it`, msg.offset)
    }
    this.out.pass(msg.wire.length === 1 ? msg.wire[0] : Buffer.concat(msg.wire, msg.wireLength), true)
  }

  /** A compressed message the receiver did not get as it came: with context takeover, its inflater and the sender's deflater no longer agree. */
  private diverge(msg: WsWhole, at: WsAt): void {
    if (!msg.compressed || !this.takeover || this.diverged) return
    this.diverged = true
    this.note('', `from here on, compressed messages from the ${this.who} go on uncompressed: permessage-deflate shares one context across messages, and the receiver's no longer matches the sender's`, at)
  }

  /** The payload to match: as it came, or inflated; undefined when it cannot be inflated (said once). */
  private payloadOf(msg: WsWhole): Buffer | undefined {
    if (!msg.compressed) return msg.payload
    const inflate = this.inflate
    if (inflate === undefined) return undefined
    const { output, error } = inflate.inflateMessage(msg.payload)
    if (error !== undefined) {
      this.noteOnce('inflate', `a compressed message from the ${this.who} was not inflated (${error}): it and those that refer back to it are matched by direction and opcode only`, msg.offset)
      return undefined
    }
    return Buffer.from(output.buffer, output.byteOffset, output.byteLength)
  }

  private letThrough(big: WsLetThrough): void {
    const name = big.opcode === 1 ? 'text message' : big.opcode === 2 ? 'binary message' : `message (opcode ${big.opcode})`
    this.note('', `not matched: a WebSocket ${name} from the ${this.who} ${big.why}`, { offset: big.offset })
    if (!big.compressed) return
    this.inflate?.loseContext()
    if (this.diverged) this.noteOnce('lost', `a compressed message from the ${this.who} too big to inflate was sent as it came, after others were changed: the receiver may not read it`, big.offset)
  }

  private get who(): string {
    return this.dir === 'client' ? 'client' : 'target'
  }

  /** A line about the connection rather than a rule's act, in this direction. */
  private note(rule: string, message: string, at: Partial<WsAt>): void {
    this.port?.event('rule', { rule, label: rule, action: 'error', message, ...at })
  }

  private noteOnce(key: string, message: string, offset: number): void {
    if (this.said.has(key)) return
    this.said.add(key)
    this.note('', message, { offset })
  }
}
