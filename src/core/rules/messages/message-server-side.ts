// The target's direction of a raw connection under message rules: its replies go to the client
// in the order of the requests (reply-slots.ts) among the answers made here, pushes as they
// come; a rule or the script may change, delay, drop or replace a reply, or end the
// connection there. With no target (`serve --rules`), it is where the answers come from.

import type { FramedPiece } from '../../breakpoint/message-framer'
import type { RuleEntry } from '../rule-set'
import type { LazyMessageFacts } from './message-facts'
import { runMessageScript } from './message-script'
import { RuleSide, type At } from './message-side'
import { runSteps } from './message-steps'
import type { LocalSlot, Slot } from './reply-slots'

export class ServerSide extends RuleSide {
  private clientEnded = false
  private ended = false
  /** A timeout step: nothing more of the target's reaches the client. */
  private silenced = false

  take(slot: Slot): void {
    // Nothing after a timeout is ever delivered: no need to keep its place.
    if (this.conv.slots.take(slot)) this.pump()
  }

  /** An answer that goes to the client now (a protocol without one reply per message). */
  inject(slot: LocalSlot): void {
    this.deliver(slot)
    this.flush()
  }

  /** `serve --rules`: the client sent its FIN; once the last answer is delivered, the connection ends. */
  clientDone(): void {
    this.clientEnded = true
    this.pump()
  }

  pump(): void {
    const slots = this.conv.slots
    while (!this.busy && !this.conv.closed) {
      if (this.deliverLocal()) continue
      const item = this.peek()
      if (item === undefined) break
      // An answer made here and not ready yet goes first; after a timeout, nothing does.
      if (item === 'fin') {
        if (slots.front?.kind === 'local') break
        this.next()
        this.finish()
        break
      }
      if (this.conv.paired && item.message === undefined) slots.untrack()
      else if (this.conv.paired && this.isReply(item)) {
        if (!slots.replyMayGo) break
        slots.replied()
      }
      this.next()
      if (this.silenced) continue
      this.actOn(
        item,
        (entry, at) => this.act(item, entry, at),
        (facts, at) => this.script(item, facts, at),
        () => this.send(item.bytes)
      )
    }
    this.flow()
    if (this.clientEnded && slots.empty && !this.ended && this.conv.deps.noTarget) {
      this.ended = true
      this.port?.end()
    }
  }

  /** Whether a target's message answers a request (redis: not a push). */
  private isReply(piece: FramedPiece): boolean {
    const note = piece.message!.note
    return this.conv.framing.codec?.name !== 'resp' || note.command === undefined || note.pair !== undefined
  }

  private async act(piece: FramedPiece, entry: RuleEntry, at: At): Promise<void> {
    const bytes = await runSteps(this, piece, entry, at, (how, answer) => {
      if (how === 'respond') this.send(answer!)
      else if (how === 'close' || how === 'reset') this.deliver({ kind: 'local', bytes: Buffer.alloc(0), then: how })
      else if (how === 'timeout') this.silenced = true
    })
    if (bytes !== undefined) this.send(bytes)
  }

  private async script(piece: FramedPiece, facts: LazyMessageFacts, at: At): Promise<void> {
    const bytes = await runMessageScript(this, piece, facts, at, (how) => {
      if (how !== 'drop') this.deliver({ kind: 'local', bytes: Buffer.alloc(0), then: how })
    })
    if (bytes !== undefined) this.send(bytes)
  }

  /** Delivers the answer made here that is next in turn; true when it did. */
  private deliverLocal(): boolean {
    const ready = this.conv.slots.takeReady()
    if (ready === undefined) return false
    this.deliver(ready)
    return true
  }

  private deliver(slot: LocalSlot): void {
    if (this.ended || this.conv.closed || this.port === undefined) return
    if (slot.bytes !== undefined) this.emit(slot.bytes)
    if (slot.then === undefined) return
    this.flush()
    if (slot.then === 'reset') this.port.reset('rule')
    else this.port.close()
  }

  protected passRaw(chunk: Buffer): void {
    this.conv.slots.untrack()
    if (!this.silenced) this.send(chunk)
  }

  private send(bytes: Buffer): void {
    if (!this.ended) this.emit(bytes)
  }

  private finish(): void {
    // Answers made here that are ready still go, before the FIN.
    while (this.deliverLocal());
    this.flush()
    this.ended = true
    this.port!.end()
  }
}
