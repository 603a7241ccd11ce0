// Every message the engine's breakpoints hold now, oldest first: what the Held queue shows,
// and where held.* finds what to forward, drop or close. The stage that held a message
// (break-direction.ts) does the sending and the recording; this keeps the list, the ids, the
// timeouts, and tells front ends when it changes.

import { HELD_PREVIEW_BYTES, type BreakAction, type HeldMessage, type HeldOutcome } from '../../shared/break-types'
import { UserError } from '../net/net-errors'
import type { BreakEntry, BreakRegistry } from './break-registry'
import { timerMs } from '../net/timer-ms'

/** What the stage that holds a message does when a person (or the timeout) decides. */
export interface HeldOwner {
  /** Sends `bytes` on (the original or an edit) and records how it ended. */
  release(item: HeldItem, bytes: Buffer, action: BreakAction): void
  /** Sends none of it, and ends the wait of whoever expected it where the protocol allows no less: an HTTP/2 stream reset, an HTTP/1 connection reset; a chunk or framed message is only gone. */
  drop(item: HeldItem): void
  closeConnection(item: HeldItem, how: 'fin' | 'rst'): void
  /** Why an edit cannot be sent (one line, recorded by the owner), or undefined: the message then stays held. */
  refuse?(item: HeldItem, edited: Buffer): string | undefined
  /** A framed message's edit with the lengths it declares made to fit, or why it cannot be one message. */
  refit?(item: HeldItem, edited: Buffer): Buffer | { error: string }
}

export interface HeldItem {
  readonly message: HeldMessage
  readonly bytes: Buffer
  readonly entry: BreakEntry
  readonly registry: BreakRegistry
  /** Where the held bytes start in their direction's stream. */
  readonly offset: number
  readonly owner: HeldOwner
  timer?: NodeJS.Timeout
}

/** How long a message whose connection closed stays listed (so a person sees what became of it). */
const CLOSED_SHOWN_MS = 10_000

export class HeldQueue {
  private readonly items = new Map<number, HeldItem>()
  private next = 1

  constructor(private readonly changed: (held: HeldMessage[]) => void) {}

  list(): HeldMessage[] {
    return [...this.items.values()].map((i) => ({ ...i.message }))
  }

  /** A stage holds `bytes`: listed, counted on its rule, and forwarded unchanged when the rule's timeout comes. */
  add(fields: Omit<HeldMessage, 'id' | 'size' | 'preview' | 'heldAt' | 'expiresAt'>, bytes: Buffer, entry: BreakEntry, registry: BreakRegistry, offset: number, owner: HeldOwner): HeldItem {
    const heldAt = Date.now()
    const timeoutMs = entry.rule.timeoutMs
    const message: HeldMessage = {
      ...fields,
      id: this.next++,
      size: bytes.length,
      preview: new Uint8Array(bytes.subarray(0, HELD_PREVIEW_BYTES)),
      heldAt,
      ...(timeoutMs > 0 ? { expiresAt: heldAt + timeoutMs } : {})
    }
    const item: HeldItem = { message, bytes, entry, registry, offset, owner }
    if (timeoutMs > 0) this.timeOut(item, timeoutMs)
    this.items.set(message.id, item)
    entry.rule.hits++
    entry.rule.heldNow++
    registry.changed()
    this.emit()
    return item
  }

  /**
   * A person is still at it (editing it): its timeout starts again, as long as its rule holds
   * now (a timeout changed since it was held is the one the person expects), so an edit is
   * not lost to a forward nobody chose. A rule switched to 0 (until someone decides) since it
   * was held makes a keep clear the message's expiry: it is held until someone decides from
   * then on, and later keeps leave it so (even if the rule gets a timeout again), since a
   * message held until someone decides, or whose connection closed, has no timeout to start again.
   */
  keep(id: number): HeldMessage {
    const item = this.item(id)
    if (item.message.expiresAt !== undefined && !item.message.connClosed) {
      clearTimeout(item.timer)
      const holdMs = item.entry.rule.timeoutMs
      if (holdMs > 0) {
        item.message.expiresAt = Date.now() + holdMs
        this.timeOut(item, holdMs)
      } else {
        item.timer = undefined
        delete item.message.expiresAt
      }
      this.emit()
    }
    return { ...item.message }
  }

  read(id: number): Uint8Array {
    return new Uint8Array(this.item(id).bytes)
  }

  forward(id: number, edited?: Buffer): HeldOutcome {
    const item = this.item(id)
    const action: BreakAction = edited !== undefined && !edited.equals(item.bytes) ? 'edited' : 'forwarded'
    const bytes = edited ?? item.bytes
    if (item.message.connClosed) return this.closedOutcome(item)
    const refused = action === 'edited' ? item.owner.refuse?.(item, bytes) : undefined
    if (refused !== undefined) throw new UserError(refused, 'EINVAL')
    this.settle(item, (o) => o.release(item, bytes, action), action)
    return { action, sent: bytes.length }
  }

  /** An edit of held message `id` with its lengths fixed by its framing (a length prefix, RESP's bulk lengths); a UserError when it cannot be one message, which then stays held. */
  refit(id: number, edited: Buffer): Buffer {
    const item = this.item(id)
    const out = item.owner.refit?.(item, edited) ?? edited
    if (!Buffer.isBuffer(out)) throw new UserError(`held ${id}: ${out.error}; nothing was sent (forward with fixLength false to send it as it is)`, 'EINVAL')
    return out
  }

  drop(id: number): HeldOutcome {
    const item = this.item(id)
    if (item.message.connClosed) return this.closedOutcome(item)
    this.settle(item, (o) => o.drop(item), 'dropped')
    return { action: 'dropped', sent: 0 }
  }

  close(id: number, how: 'fin' | 'rst'): HeldOutcome {
    const item = this.item(id)
    if (item.message.connClosed) return this.closedOutcome(item)
    this.settle(item, (o) => o.closeConnection(item, how), 'dropped')
    return { action: 'dropped', sent: 0 }
  }

  /** Forwards every held message of a proxy (or of one of its rules, or all), unchanged; `disable` turns those rules off first. */
  forwardAll(filter: { proxyId?: string; ruleId?: string; disable?: boolean }, registries: (proxyId: string) => BreakRegistry | undefined): number {
    const picked = (i: HeldItem): boolean => (filter.proxyId === undefined || i.message.proxyId === filter.proxyId) && (filter.ruleId === undefined || i.message.ruleId === filter.ruleId)
    if (filter.disable === true) {
      if (filter.proxyId !== undefined) {
        const registry = registries(filter.proxyId)
        for (const e of registry?.active ?? []) if (filter.ruleId === undefined || e.rule.id === filter.ruleId) registry!.update(e.rule.id, { enabled: false })
      } else for (const i of this.items.values()) if (picked(i) && i.entry.rule.enabled) i.registry.update(i.entry.rule.id, { enabled: false })
    }
    let n = 0
    // Oldest first, so a connection's messages go in the order they came.
    for (const item of [...this.items.values()]) {
      if (!picked(item)) continue
      n++
      if (item.message.connClosed) this.forget(item)
      else this.settle(item, (o) => o.release(item, item.bytes, 'forwarded'), 'forwarded')
    }
    return n
  }

  /** The connection of a held message closed: it stays listed a while as such, then goes. */
  connectionClosed(item: HeldItem): void {
    if (!this.items.has(item.message.id) || item.message.connClosed) return
    clearTimeout(item.timer)
    item.message.connClosed = true
    delete item.message.expiresAt
    // Only a listing: it keeps no process alive.
    item.timer = setTimeout(() => this.forget(item), CLOSED_SHOWN_MS).unref()
    this.count(item, 'closed')
    this.emit()
  }

  /** Releases everything unchanged (the engine closes): nothing held is lost on purpose. */
  releaseAll(): void {
    this.forwardAll({}, () => undefined)
  }

  /** Forwards the item unchanged when its hold (`ms`) runs out. */
  private timeOut(item: HeldItem, ms: number): void {
    item.timer = setTimeout(() => this.settle(item, (o) => o.release(item, item.bytes, 'timeout'), 'forwarded'), timerMs(ms))
  }

  private closedOutcome(item: HeldItem): HeldOutcome {
    this.forget(item)
    return { action: 'closed', sent: 0 }
  }

  private settle(item: HeldItem, act: (owner: HeldOwner) => void, counted: BreakAction): void {
    if (!this.items.delete(item.message.id)) return
    clearTimeout(item.timer)
    this.count(item, counted)
    this.emit()
    act(item.owner)
  }

  private forget(item: HeldItem): void {
    clearTimeout(item.timer)
    if (this.items.delete(item.message.id)) this.emit()
  }

  private count(item: HeldItem, action: BreakAction): void {
    const rule = item.entry.rule
    rule.heldNow = Math.max(0, rule.heldNow - 1)
    if (action === 'edited') rule.edited++
    else if (action === 'dropped') rule.dropped++
    else if (action === 'forwarded' || action === 'timeout') rule.forwarded++
    item.registry.changed()
  }

  private item(id: number): HeldItem {
    const item = this.items.get(id)
    if (item === undefined) throw new UserError(`nothing is held as ${id}: it was forwarded, dropped or timed out already (held.list shows what is held)`, 'ENOENT')
    return item
  }

  private emit(): void {
    this.changed(this.list())
  }
}
