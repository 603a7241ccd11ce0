// Inflaters made before a parse runs, for its `process: zlib` fields. node:vm's timeout ends a
// run wherever it is, and one ended inside node:zlib's constructor, between making the native
// handle and initialising it, leaves a handle whose finalizer aborts the whole process at a
// later garbage collection (Node's "close before init" assertion): a .ksy whose zlib fields
// loop took a test worker down so, and would take the engine. Made outside any run, an
// inflater is only used inside one: a run ended mid-inflate leaves an initialised handle,
// closed as any other. Each inflates one field (node:zlib closes it after, as inflateSync does).

import { Inflate } from 'node:zlib'

/** node:zlib's Inflate as inflateSync runs it (zlibBufferSync): one chunk, with the finish flush. */
interface Inflater {
  _processChunk(chunk: Uint8Array, flush: number): Buffer
  _finishFlushFlag: number
}

/** Inflaters made for a run at first, and at most (a message of more zlib fields fails so). */
const FIRST = 4
export const MAX_INFLATERS = 256

export class InflateEngines {
  private readonly ready: Inflater[] = []
  private wanted = FIRST
  /** A run asked for more than were made for it: it is run again with twice as many. */
  spent = false

  constructor(private readonly maxOutputLength: number) {}

  /**
   * Before a run, outside its time budget: as many as the last runs needed. Runs that used
   * under a quarter of them halve them again (what one message of many fields made is not
   * kept for the rest; an idle inflater holds some 20 KB).
   */
  fill(): void {
    this.spent = false
    const used = this.wanted - this.ready.length
    if (used * 4 < this.wanted && this.wanted > FIRST) {
      this.wanted = Math.max(FIRST, this.wanted / 2)
      this.ready.length = Math.min(this.ready.length, this.wanted)
    }
    while (this.ready.length < this.wanted) this.ready.push(new Inflate({ maxOutputLength: this.maxOutputLength }) as unknown as Inflater)
  }

  /** One zlib stream inflated (node:zlib's errors thrown as inflateSync throws them); undefined when the run used every inflater made for it. */
  inflate(data: Uint8Array): Buffer | undefined {
    const inflater = this.ready.pop()
    if (inflater === undefined) {
      this.spent = true
      return undefined
    }
    return inflater._processChunk(data, inflater._finishFlushFlag)
  }

  /** After a run that ran out: twice as many for the next; false when at MAX_INFLATERS already. */
  grow(): boolean {
    if (this.wanted >= MAX_INFLATERS) return false
    this.wanted = Math.min(MAX_INFLATERS, this.wanted * 2)
    return true
  }
}
