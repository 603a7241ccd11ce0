// The rules of one raw connection read as messages (redis, PostgreSQL, MQTT, ... or a chosen
// framing), as a pair of ForwardStages (forward-stage.ts). Each direction is cut as msg.page
// and message breakpoints cut it (breakpoint/message-framer.ts: the connection's framing,
// else the protocol its first bytes or its port say); a whole message is matched by the
// `resp` and `message` matchers (message-facts.ts says what they read) and then goes on,
// changed (rewrite.bytes, its lengths refit by the codec), later (delay), not at all (drop,
// timeout), is answered here (respond), or ends the connection (close, reset).
//
// Answers made here, and the order they keep:
// - A protocol whose every request has one answer (redis, Modbus, DNS: PAIRED) keeps the
//   answers in the order the requests came, as HTTP/1's rules do: each client message sent on
//   takes a slot that the target's next reply fills, an answer made here takes a slot of its
//   own, and a slot goes to the client only once those before it have. A pipelined burst
//   with one command mocked gets its replies in order. redis's pushes (pub/sub messages,
//   RESP3 `>`) answer no command: they go as they come. A SUBSCRIBE's several confirmations
//   each count as a reply.
// - Any other protocol (PostgreSQL, MQTT, MySQL, a plain framing) has no one answer per
//   message (a query answers with many messages, a PUBLISH at QoS 0 with none): an answer
//   made here goes to the client at once, between the target's messages, and `timeout` is
//   `drop`.
// - `timeout` on a paired protocol: the target still gets the next requests, but the client
//   gets no answer from then on, as from a server that hangs. `drop`: the message is not sent
//   and takes no slot, so the target's replies go on as they come.
// - A rule on a server message (`dir: server`): rewrite, delay and drop as above, respond
//   sends its answer to the client instead of the message, timeout drops it and every later
//   one from the target, close and reset end the connection there.
// - `forward` sends HTTP requests elsewhere: on a message it is passed over (recorded).
//
// - A message no rule acted on goes to the user's script when it has an onMessage hook
//   (message-script.ts): changed, delayed, dropped, or the connection ends there.
//
// A connection that no rule could match when its first bytes came (`framesMessages`), and
// whose script has no onMessage, is not cut: each chunk goes on as it came, unless a rule
// that could comes later. With no target (`serve --rules`), a client message no rule answers
// gets nothing. What a rule or the script did is recorded beside what was sent, with the
// delivered bytes (rule-record.ts).
//
// Here: the conversation both sides share. Each direction (message-side.ts) cuts and queues;
// message-client-side.ts and message-server-side.ts say where a message goes, message-steps.ts
// runs a rule's steps, reply-slots.ts keeps the answers' order.

import type { Direction } from '../../../shared/direction'
import { MessageConversation } from '../../breakpoint/message-framer'
import type { StagePair } from '../../proxy/forward-stage'
import type { ConnFacts } from '../rule-match'
import type { TrafficDeps } from '../traffic-deps'
import { ClientSide } from './message-client-side'
import type { Conversation as SideConversation, RuleSide } from './message-side'
import { ServerSide } from './message-server-side'
import { answersInOrder, ReplySlots } from './reply-slots'
import { StepWaits } from '../step-waits'

export function messageRulePair(deps: TrafficDeps): StagePair {
  const conv = new Conversation(deps)
  return { client: conv.client, server: conv.server }
}

export class Conversation implements SideConversation {
  readonly framing: MessageConversation
  readonly slots = new ReplySlots()
  readonly client: ClientSide
  readonly server: ServerSide
  closed = false
  private facts: ConnFacts | undefined
  private readonly waits = new StepWaits()

  constructor(readonly deps: TrafficDeps) {
    this.framing = new MessageConversation({ framing: () => deps.framing?.(), port: () => deps.port?.() })
    this.client = new ClientSide('client', this)
    this.server = new ServerSide('server', this)
  }

  /** Whether answers keep the order of the requests (slots), or go at once. */
  get paired(): boolean {
    return answersInOrder(this.framing.codec?.name)
  }

  /** Whether the script sees each message no rule acted on (so every message is cut, rule or not). */
  get scripted(): boolean {
    return this.deps.script?.has('onMessage') === true
  }

  conn(): ConnFacts {
    this.facts ??= this.deps.conn()
    return this.facts
  }

  side(dir: Direction): RuleSide {
    return dir === 'client' ? this.client : this.server
  }

  /** A delay step's wait: over at once when the connection closes. */
  sleep(ms: number): Promise<void> {
    return this.waits.sleep(ms)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.waits.endAll()
    this.client.clear()
    this.server.clear()
  }
}
