// The seam between a proxied connection's two legs: each direction (client -> target,
// target -> client) passes through one ForwardStage. TLS termination's cleartext view,
// breakpoints and fault injection ("toxics": latency, bandwidth, slicing, cut-offs) plug in
// here, and only here.
//
// A connection whose proxy has no breakpoint and no toxic has no stage at all: ProxyConnection
// forwards each read straight to the other socket on its fast path (reused read buffers, no
// copy, no promise, no call per chunk beyond the write and one check for a stage). Stages are
// given at accept, or later to the connections already open when their proxy gets its first
// rule (Proxy.attachStages). From then on both directions pass through a stage (a direction
// with nothing to do, the identity), each chunk handed over as a buffer the stage may keep
// as long as it likes (a copy where the read buffer is reused).
//
// What a stage may do with what it is given:
// - transform: send other bytes than it got (more, fewer, edited);
// - delay: send them later (a timer), in order or sliced;
// - hold: keep them until something releases them (a breakpoint), calling `port.hold(true)`
//   meanwhile so the sender is not read further and nothing piles up;
// - drop: send nothing for them.
//
// How the connection's rules pass through it:
// - Backpressure: `port.send()` returns false when the receiver's buffer is full; the proxy
//   then stops reading from the sender until the receiver drains, exactly as without a stage.
//   A stage that keeps bytes bounds them itself with `port.hold()`. The capture writer's own
//   hold pauses the sender too, stage or not.
// - FIN: `fin(port)` comes after the sender's last `data()`; the receiver gets its FIN when the
//   stage calls `port.end()`, which it does once it has sent what it still holds (the
//   identity: at once). Until then the connection stays half-open.
// - RST: a reset (or error) on either side is passed on to the other side as a reset, after
//   the bytes already sent to it, as without a stage; what a stage still holds is dropped, as
//   the kernel drops what is in flight. `close()` then tells it the connection is over.
//
// What is recorded: each direction as its sender sent it, read from its socket, before the
// stage (the capture's `client` is what the client sent, `server` what the target sent). What
// the receiver got is the stage's doing: a stage that transforms or drops makes the two differ,
// and it is the stage's to report that (a later issue records stage actions as events).
// Recording both legs of both directions would need a capture format with four streams.
//
// TLS termination works at the sockets, not in a stage: the client's socket is wrapped in a
// TLSSocket before the proxy reads it (and the upstream leg's TLS is connect-target.ts's
// `tls` option), so stages and the capture see cleartext.

import type { ResetCause } from '../../shared/capture-types'

/** What in a stage may reset a connection (a person's own RST to one side is ProxyConnection.shut). */
export type StageResetCause = Exclude<ResetCause, 'action'>

/** What a stage passes its output to: the receiving side of its direction. */
export interface StagePort {
  /** Sends bytes on to the receiver (it owns them from now on); false once its buffer is full. */
  send(bytes: Buffer): boolean
  /** Sends the FIN on, after everything sent before. */
  end(): void
  /** Stops (true) or resumes (false) reading from the sender, for a stage that keeps bytes. */
  hold(held: boolean): void
  /** Records what the stage did to the connection (a toxic's `fault`, a breakpoint's `break`), in this direction. */
  event(kind: 'fault' | 'break' | 'rule', info: Record<string, unknown>): void
  /**
   * Resets both sides now (a toxic's reset_peer, a breakpoint's Reset, a rule's reset); what is
   * in flight is dropped. `by` is what made it: the capture records the end as tcpscope's reset.
   */
  reset(by: StageResetCause): void
  /** Closes both sides with a FIN after what was sent to each (a toxic's limit_data or timeout). */
  close(): void
  /**
   * The target is down and the stage that took over answering the client (targetDown said
   * true) cannot after all: the client is reset as the target's refusal would have, and the
   * connection ends as that failure (connect-failed), not as a rule's reset.
   */
  refuse(): void
  /**
   * The stage failed outside the proxy's own call to it (a script's answer, a timer): ends the
   * connection as a throw from `data` would (both sides reset, an `error` with code ESTAGE).
   */
  fail(err: unknown): void
}

/**
 * One direction's stage. Called in the order the sender's socket reported things. A throw is
 * caught: the connection is then reset both ways and recorded as an `error` (code ESTAGE).
 */
export interface ForwardStage {
  /** The connection starts (before any data): a stage with timers of its own keeps the port. */
  open?(port: StagePort): void
  /** A chunk the sender sent (already recorded); the stage may keep it. */
  data(chunk: Buffer, port: StagePort): void
  /**
   * Whether the stage still refers to bytes of a chunk it was given (held back, queued for
   * later). A stage that can tell is given a read's bytes in place, in the buffer the next
   * read fills, and that buffer is left to it whenever this says so after `data` returns; a
   * stage without it is given a copy of each read.
   */
  holdsBytes?(): boolean
  /** The sender's FIN (already recorded); call `port.end()` to pass it on. */
  fin(port: StagePort): void
  /** The connection is over (both sockets closed): drop what is held, clear timers. */
  close?(): void
  /**
   * The target could not be reached (`why`, one line). A stage that can answer the client
   * itself (traffic rules: a mock while the backend is down) returns true: the client stays
   * connected and the stage answers what it can (the rest with an error of its protocol).
   * Otherwise the client is reset, as the target's refusal would have.
   */
  targetDown?(why: string): boolean
}

/** The `error` record of `dir`'s stage that threw (code ESTAGE), its message one line. */
export function stageFailure(dir: 'client' | 'server', err: unknown): { code: 'ESTAGE'; message: string } {
  const why = (err instanceof Error ? err.message : String(err)).split('\n')[0]
  return { code: 'ESTAGE', message: `the ${dir === 'client' ? 'client-to-target' : 'target-to-client'} stage failed: ${why}` }
}

/** Each direction's stage, named by its sender as the capture names directions; a direction left out passes bytes as they came. */
export interface StagePair {
  client?: ForwardStage
  server?: ForwardStage
}

/** Builds a connection's stages as it is accepted (by its capture connection id); undefined: none for it. Must not throw. */
export type ForwardStages = (connId: number) => StagePair | undefined
