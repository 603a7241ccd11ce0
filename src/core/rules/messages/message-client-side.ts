// The client's direction of a raw connection under message rules: each message goes on to the
// target as it came, as a rule or the script changed it, or not at all; an answer made here
// goes back through the server side (message-server-side.ts), in its turn when the protocol
// answers every request once (reply-slots.ts), else at once.

import type { FramedPiece } from '../../breakpoint/message-framer'
import type { RuleEntry } from '../rule-set'
import type { LazyMessageFacts } from './message-facts'
import { runMessageScript } from './message-script'
import { RuleSide, type At, type Conversation } from './message-side'
import { runSteps } from './message-steps'
import type { LocalSlot } from './reply-slots'
import type { ServerSide } from './message-server-side'

export class ClientSide extends RuleSide {
  constructor(
    dir: 'client',
    /** The conversation, with the server side its answers go back through. */
    override readonly conv: Conversation & { readonly server: ServerSide }
  ) {
    super(dir, conv)
  }

  pump(): void {
    while (!this.busy && !this.conv.closed) {
      const item = this.next()
      if (item === undefined) break
      if (item === 'fin') {
        this.finish()
        break
      }
      this.actOn(
        item,
        (entry, at) => this.act(item, entry, at),
        (facts, at) => this.script(item, facts, at),
        () => this.forward(item.bytes, item.message !== undefined)
      )
    }
    this.flow()
  }

  private async act(piece: FramedPiece, entry: RuleEntry, at: At): Promise<void> {
    const bytes = await runSteps(this, piece, entry, at, (how, answer) => {
      if (how === 'respond') this.answer({ kind: 'local', bytes: answer })
      else if (how === 'close' || how === 'reset') this.answer({ kind: 'local', bytes: Buffer.alloc(0), then: how })
      else if (how === 'timeout' && this.conv.paired && !this.conv.deps.noTarget) this.conv.server.take({ kind: 'never' })
    })
    if (bytes !== undefined) this.forward(bytes, true)
  }

  private async script(piece: FramedPiece, facts: LazyMessageFacts, at: At): Promise<void> {
    // A dropped message is not sent and takes no slot, as a drop step's.
    const bytes = await runMessageScript(this, piece, facts, at, (how) => {
      if (how !== 'drop') this.answer({ kind: 'local', bytes: Buffer.alloc(0), then: how })
    })
    if (bytes !== undefined) this.forward(bytes, true)
  }

  protected passRaw(chunk: Buffer): void {
    this.forward(chunk, false)
  }

  /** A client message on to the target; one that expects a reply takes its slot. */
  private forward(bytes: Buffer, message: boolean): void {
    if (this.conv.deps.noTarget) return
    if (message && this.conv.paired) this.conv.server.take({ kind: 'target' })
    this.emit(bytes)
  }

  /** An answer made here: in its turn for a paired protocol, else at once. */
  private answer(slot: LocalSlot): void {
    if (this.conv.paired) this.conv.server.take(slot)
    else this.conv.server.inject(slot)
  }

  private finish(): void {
    this.flush()
    if (this.conv.deps.noTarget) this.conv.server.clientDone()
    else this.port!.end()
  }
}
