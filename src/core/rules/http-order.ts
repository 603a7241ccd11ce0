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
  | { kind: 'target'; rewrite?: MessageRewrite; entry?: RuleEntry; request?: EditableRequest; offset?: number; script?: ScriptRequest }
  | { kind: 'local'; bytes?: Buffer; then?: 'close' | 'reset' }
  | { kind: 'never' }

export class Conversation {
  readonly http = new HttpConversation()
  readonly slots: Slot[] = []
  /** The target direction's side: told when an answer made here is ready, or the client is done. */
  response!: { pump(): void; clientDone(): void }
  closed = false
  /** The target could not be reached (why): requests that would go to it are answered 502 here. */
  down: string | undefined
  private readonly timers = new Map<NodeJS.Timeout, () => void>()

  /** A delay step's wait: over at once when the connection closes. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t)
        resolve()
      }, ms)
      this.timers.set(t, resolve)
    })
  }

  close(): void {
    this.closed = true
    for (const [t, resolve] of this.timers) {
      clearTimeout(t)
      resolve()
    }
    this.timers.clear()
  }
}

export abstract class OrderedSide implements ForwardStage {
  port: StagePort | undefined
  protected pending: Array<Buffer | 'fin'> = []
  private pendingBytes = 0
  protected busy = false
  protected framer: HttpFramer | undefined

  constructor(protected readonly conv: Conversation) {}

  open(port: StagePort): void {
    this.port = port
  }

  data(chunk: Buffer, port: StagePort): void {
    this.port = port
    this.pending.push(chunk)
    this.pendingBytes += chunk.length
    this.pump()
  }

  fin(port: StagePort): void {
    this.port = port
    this.pending.push('fin')
    this.pump()
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

  /** Reads on unless READ_AHEAD waits behind a message being worked on. */
  protected flow(): void {
    if (!this.conv.closed) this.port?.hold(this.busy && this.pendingBytes > READ_AHEAD)
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
