// The order a client's answers keep on a protocol whose every request has one answer (redis,
// Modbus, DNS): each request sent on takes a slot that the target's next reply fills, an
// answer made here takes a slot of its own, and a slot goes to the client only once those
// before it have. After a slot that is never answered (a timeout step), nothing is.

/** Protocols whose every client message is answered by exactly one server message. */
const PAIRED = new Set(['resp', 'modbus', 'dns'])

/** Whether a codec's answers keep the order of the requests (slots), or go at once. */
export function answersInOrder(codec: string | undefined): boolean {
  return codec !== undefined && PAIRED.has(codec)
}

/** An answer made here: ready once `bytes` is set; `then` ends the connection after it. */
export type LocalSlot = { kind: 'local'; bytes?: Buffer; then?: 'close' | 'reset' }

/** A client's answer in the order of its requests: the target's next reply, one made here, or none ever. */
export type Slot = { kind: 'target' } | LocalSlot | { kind: 'never' }

export class ReplySlots {
  private readonly list: Slot[] = []

  get front(): Slot | undefined {
    return this.list[0]
  }

  get empty(): boolean {
    return this.list.length === 0
  }

  /** Takes the next place; false when a slot before it is never answered (then none is kept). */
  take(slot: Slot): boolean {
    if (this.list.at(-1)?.kind === 'never') return false
    this.list.push(slot)
    return true
  }

  /** Whether the target's next reply may go now: no answer made here, or a timeout, is ahead of it. */
  get replyMayGo(): boolean {
    const kind = this.front?.kind
    return kind !== 'local' && kind !== 'never'
  }

  /** The target's reply went: the request it answered is done. */
  replied(): void {
    if (this.front?.kind === 'target') this.list.shift()
  }

  /** The answer made here whose turn it is, taken off, once it is ready; else undefined. */
  takeReady(): LocalSlot | undefined {
    const front = this.front
    if (front?.kind !== 'local' || front.bytes === undefined) return undefined
    this.list.shift()
    return front
  }

  /** The target's bytes are not cut, so which reply is which is unknown: the requests waiting for one are let go. */
  untrack(): void {
    while (this.front?.kind === 'target') this.list.shift()
  }
}
