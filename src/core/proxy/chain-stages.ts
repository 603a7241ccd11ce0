// Two stages in one direction, the first's output the second's input: a proxy's breakpoints
// hold and edit what the sender sent, then its toxics shape what is let go. The pair keeps
// the seam's rules (forward-stage.ts): the sender is held while either stage asks, a FIN
// passes the first stage and then the second, and a reset or close from either ends both.

import type { ForwardStage, StagePair, StagePort } from './forward-stage'

/** `first` then `second` in each direction; a direction either leaves out is the other's alone. */
export function chainPair(first: StagePair, second: StagePair): StagePair {
  return {
    client: chain(first.client, second.client),
    server: chain(first.server, second.server)
  }
}

function chain(first: ForwardStage | undefined, second: ForwardStage | undefined): ForwardStage | undefined {
  if (first === undefined || second === undefined) return first ?? second
  return new ChainedStage(first, second)
}

class ChainedStage implements ForwardStage {
  private readonly holds = [false, false]
  /** Whether the receiver took the last bytes without filling up (what the first stage's send answers). */
  private flowing = true
  private inner: StagePort | undefined
  private outer: StagePort | undefined

  constructor(
    private readonly first: ForwardStage,
    private readonly second: ForwardStage
  ) {}

  private ports(port: StagePort): { inner: StagePort; outer: StagePort } {
    if (this.inner !== undefined && this.outer !== undefined) return { inner: this.inner, outer: this.outer }
    const hold = (i: number, held: boolean): void => {
      this.holds[i] = held
      port.hold(this.holds[0] || this.holds[1])
    }
    // What the second stage sends reaches the receiver; its answer is what the first stage's send returns.
    const outer: StagePort = {
      ...port,
      send: (bytes) => (this.flowing = port.send(bytes)),
      hold: (held) => hold(1, held)
    }
    const inner: StagePort = {
      ...port,
      send: (bytes) => {
        this.second.data(bytes, outer)
        return this.flowing
      },
      end: () => this.second.fin(outer),
      hold: (held) => hold(0, held)
    }
    this.inner = inner
    this.outer = outer
    return { inner, outer }
  }

  open(port: StagePort): void {
    const { inner, outer } = this.ports(port)
    this.second.open?.(outer)
    this.first.open?.(inner)
  }

  data(chunk: Buffer, port: StagePort): void {
    this.first.data(chunk, this.ports(port).inner)
  }

  fin(port: StagePort): void {
    this.first.fin(this.ports(port).inner)
  }

  targetDown(why: string): boolean {
    return this.first.targetDown?.(why) === true || this.second.targetDown?.(why) === true
  }

  close(): void {
    try {
      this.first.close?.()
    } finally {
      this.second.close?.()
    }
  }
}
