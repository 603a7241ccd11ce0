// What both directions of an HTTP/1 connection under traffic rules share (http-rule-stage.ts):
// the answers' order (one slot per request, filled by the target's response or by one made
// here), the delay steps' timers, and a side that takes its sender's chunks one at a time.

import type { EditableRequest } from '../../shared/http-request-edit'
import type { MessageRewrite } from '../../shared/rules/rule-types'
import { HttpConversation, type HttpFramer } from '../breakpoint/http-framer'
import { READ_AHEAD } from '../breakpoint/read-ahead'
import type { ForwardStage, StagePort } from '../proxy/forward-stage'
import type { RuleEntry, RuleSet } from './rule-set'
import type { ConnFacts } from './rule-match'
import type { ScriptHost } from './script/script-host'
import type { ScriptRequest } from './script/script-types'
import type { WsRelay } from './websocket/ws-relay'
import { StepWaits } from './step-waits'

export interface HttpRuleDeps {
  rules: RuleSet
  connId: number
  script?: ScriptHost
  /** The connection's facts for connection matchers and a request's port. */
  conn(): ConnFacts
  /** Where a respond step's `file` is read from (the rules file's folder). */
  baseDir?: string
  /** Sends a request to another target (a forward step) and resolves with its whole response. */
  forward?(to: string, request: Buffer, method: string): Promise<Buffer>
  /** No target behind (`serve --rules`): what no rule answers gets this instead of going on. */
  noTarget?: boolean
}

/** An answer's place in the response order: the target's, one made here (ready once `bytes` is set), or none ever (timeout). */
export type Slot =
  | { kind: 'target'; rewrite?: MessageRewrite; entry?: RuleEntry; request?: EditableRequest; offset?: number; script?: ScriptRequest; websocket?: boolean }
  | { kind: 'local'; bytes?: Buffer; then?: 'close' | 'reset' }
  | { kind: 'never' }

export class Conversation {
  readonly http = new HttpConversation()
  readonly slots: Slot[] = []
  /** The target direction's side: told when an answer made here is ready, or the client is done. */
  response!: { pump(): void; clientDone(): void }
  /** The client direction's side: where its stream stands when the connection turns WebSocket. */
  request!: { readonly position: number; readonly port: StagePort | undefined }
  closed = false
  /** The target could not be reached (why): requests that would go to it are answered 502 here. */
  down: string | undefined
  /** The client sent its FIN (after its last request): with no target to end the connection, the last answer here does. */
  clientFinished = false
  /** After a 101 to `Upgrade: websocket` (when rules or the script want its messages): both directions go to it. */
  ws: WsRelay | undefined
  private readonly waits = new StepWaits()

  /** A delay step's wait: over at once when the connection closes. */
  sleep(ms: number): Promise<void> {
    return this.waits.sleep(ms)
  }

  close(): void {
    this.closed = true
    this.ws?.clear()
    this.waits.endAll()
  }
}

/** Most bytes gathered for one write: past it they go at once (copying more costs more than the write saves). */
const OUTBOX_MAX = 64 * 1024

export abstract class OrderedSide implements ForwardStage {
  port: StagePort | undefined
  protected pending: Array<Buffer | 'fin'> = []
  private pendingBytes = 0
  /** Bytes of this direction given so far. */
  private received = 0
  private holding = false
  protected busy = false
  protected framer: HttpFramer | undefined

  constructor(
    protected readonly conv: Conversation,
    private readonly dir: 'client' | 'server'
  ) {}

  /** Where the next byte not yet taken starts in this direction's stream. */
  get position(): number {
    return this.received - this.pendingBytes
  }

  /** Once the connection is WebSocket: where this direction's bytes go. */
  private get relay(): ForwardStage | undefined {
    return this.conv.ws?.side(this.dir)
  }

  open(port: StagePort): void {
    this.port = port
  }

  data(chunk: Buffer, port: StagePort): void {
    this.port = port
    this.received += chunk.length
    if (this.relay !== undefined && this.pending.length === 0 && !this.busy) return this.relay.data(chunk, port)
    this.pending.push(chunk)
    this.pendingBytes += chunk.length
    this.pump()
  }

  fin(port: StagePort): void {
    this.port = port
    if (this.relay !== undefined && this.pending.length === 0 && !this.busy) return this.relay.fin(port)
    this.pending.push('fin')
    this.pump()
  }

  /** Once the connection is WebSocket, what waited goes to it in order; true when it did. */
  protected relayPending(): boolean {
    const relay = this.relay
    if (relay === undefined || this.busy) return false
    this.flushOut()
    // The relay holds the sender from here on, by its own measure.
    if (this.holding) this.port?.hold(false)
    this.holding = false
    for (let n = this.next(); n !== undefined && !this.conv.closed; n = this.next()) {
      if (n === 'fin') relay.fin(this.port!)
      else relay.data(n, this.port!)
    }
    return true
  }

  close(): void {
    this.conv.close()
    this.pending = []
    this.pendingBytes = 0
  }

  protected next(): Buffer | 'fin' | undefined {
    const n = this.pending.shift()
    if (n !== undefined && n !== 'fin') this.pendingBytes -= n.length
    return n
  }

  protected putBack(rest: Buffer): void {
    this.pending.unshift(rest)
    this.pendingBytes += rest.length
  }

  /** Bytes let through in this turn, written as one (a request's head and body are one write, not two). */
  private outbox: Buffer[] = []
  private outboxBytes = 0

  /** Passes bytes on with the others of this turn: written at the turn's end (flushOut), in order. */
  protected emit(bytes: Buffer): void {
    // The framer cuts a chunk it lets through into head and body pieces: pieces that sit side by
    // side in one buffer go on as one view of it again, not as a copy made by the concat.
    const last = this.outbox.length > 0 ? this.outbox[this.outbox.length - 1] : undefined
    if (last !== undefined && last.buffer === bytes.buffer && last.byteOffset + last.length === bytes.byteOffset) {
      this.outbox[this.outbox.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + bytes.length)
      this.outboxBytes += bytes.length
      if (this.outboxBytes >= OUTBOX_MAX) this.flushOut()
      return
    }
    this.outbox.push(bytes)
    this.outboxBytes += bytes.length
    if (this.outboxBytes >= OUTBOX_MAX) this.flushOut()
  }

  /** Writes what this turn let through; anything sent another way must come after it, so it calls this first. */
  protected flushOut(): void {
    if (this.outbox.length === 0) return
    const bytes = this.outbox.length === 1 ? this.outbox[0] : Buffer.concat(this.outbox, this.outboxBytes)
    this.outbox = []
    this.outboxBytes = 0
    this.port?.send(bytes)
  }

  /** Reads on unless READ_AHEAD waits behind a message being worked on; what this turn let through goes first. */
  protected flow(): void {
    this.flushOut()
    // The WebSocket relay holds its sender itself.
    if (this.conv.closed || this.relay !== undefined) return
    const holding = this.busy && this.pendingBytes > READ_AHEAD
    // Only a change is told: the proxy's flow check runs for every call.
    if (holding === this.holding) return
    this.holding = holding
    this.port?.hold(holding)
  }

  /** Works on one async step, reading no further meanwhile; a failure lets the connection go on as it can. */
  protected work(task: () => Promise<void>): void {
    this.busy = true
    this.flow()
    task()
      .catch((err: unknown) => {
        this.port?.event('rule', { rule: '', label: '', action: 'error', message: `a rule failed: ${(err as Error).message?.split('\n')[0] ?? String(err)}` })
      })
      .finally(() => {
        this.busy = false
        this.flow()
        this.pump()
      })
  }

  abstract pump(): void
}
