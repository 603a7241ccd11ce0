// The target direction of an HTTP/1 connection under traffic rules: the target's responses
// framed, each given to its request's slot (rewritten by its rule, or by the script's
// onResponse), and the answers made here delivered in their turn.

import type { EditableResponse } from '../../shared/http-request-edit'
import { parseResponse } from '../../shared/http-request-edit'
import { HttpFramer } from '../breakpoint/http-framer'
import type { MessageHead } from '../breakpoint/break-match'
import { rewriteMessage, serialize } from './http-edit'
import { responseFromScript, scriptResponseOf } from './http-script'
import { OrderedSide, type Conversation, type HttpRuleDeps, type Slot } from './http-order'
import { recordRule } from './rule-record'
import { badGateway } from './http-answers'
import { WsRelay, wantsWebSocket } from './websocket/ws-relay'

export class ResponseSide extends OrderedSide {
  private current: Slot | undefined
  private clientEnded = false
  /** The target sent its FIN while an answer made here was on its way (a forward step's): the client's FIN waits for it. */
  private targetEnded = false
  /** A 101 to `Upgrade: websocket` is being framed: once it ends, both directions turn WebSocket. */
  private upgrade: { extensions?: string } | undefined
  /** Where the next byte given to the framer starts in the target's stream (a record's offset). */
  private fed = 0

  constructor(
    conv: Conversation,
    private readonly deps: HttpRuleDeps
  ) {
    super(conv, 'server')
  }

  pump(): void {
    while (!this.busy && !this.conv.closed) {
      if (this.relayPending()) return
      if (this.deliverLocal()) continue
      if (this.pending.length === 0) break
      // A slot made here that is not ready yet goes first: the target's next response waits.
      const front = this.conv.slots[0]
      if ((this.framer === undefined || this.framer.between) && front !== undefined && front.kind !== 'target' && this.pending[0] !== 'fin') break
      const chunk = this.next()!
      if (chunk === 'fin') {
        this.finish()
        break
      }
      this.framer ??= new HttpFramer('server', this.conv.http, (head) => this.wanted(head), true)
      this.fed += chunk.length
      if (this.framer.passing) {
        this.emit(chunk)
        continue
      }
      const out = this.framer.feed(chunk)
      if (out.rest !== undefined) {
        this.fed -= out.rest.length
        this.putBack(out.rest)
      }
      for (const bytes of out.pass) this.emit(bytes)
      if (out.message !== undefined) {
        const slot = this.current
        const message = out.message.bytes
        const offset = this.fed - message.length
        this.work(() => this.rewrite(message, slot, offset))
      }
      if (out.ended === true && this.upgrade !== undefined) this.turnWebSocket(this.upgrade)
    }
    this.flow()
  }

  /** Delivers the answers made here that are next in turn; true when it delivered one. */
  private deliverLocal(): boolean {
    if (this.framer !== undefined && !this.framer.between) return false
    const front = this.conv.slots[0]
    if (front === undefined || front.kind !== 'local' || front.bytes === undefined || this.port === undefined) return false
    this.conv.slots.shift()
    // The request never reached the target: its response is not the target's to frame.
    this.conv.http.methods.shift()
    this.flushOut()
    if (front.bytes.length > 0) this.port.send(front.bytes)
    if (front.then === 'reset') this.port.reset('rule')
    else if (front.then === 'close') this.port.close()
    else if (this.clientEnded && this.nothingToCome()) this.port.end()
    else if (this.targetEnded && this.conv.slots[0]?.kind !== 'local') this.port.end()
    return true
  }

  private wanted(head: MessageHead): boolean {
    // A 1xx other than 101 comes before the real answer to the same request.
    if (head.status !== undefined && head.status >= 100 && head.status < 200 && head.status !== 101) return false
    const slot = this.conv.slots[0]?.kind === 'target' ? this.conv.slots.shift() : undefined
    this.current = slot
    if (head.status === 101 && slot?.kind === 'target' && slot.websocket === true && wantsWebSocket(this.deps)) {
      const extensions = (head.headers ?? []).filter((h) => h.name.toLowerCase() === 'sec-websocket-extensions').map((h) => h.value)
      this.upgrade = extensions.length > 0 ? { extensions: extensions.join(', ') } : {}
    }
    return slot?.kind === 'target' && (slot.rewrite !== undefined || slot.script !== undefined)
  }

  private async rewrite(bytes: Buffer, slot: Slot | undefined, offset: number): Promise<void> {
    if (slot?.kind !== 'target') return void this.port!.send(bytes)
    const parsed = parseResponse(bytes)
    if ('error' in parsed) return void this.port!.send(bytes)
    let response = parsed.response
    /** The response as changed, in bytes (made once, for its record and to send). */
    let written: Buffer | undefined
    const summary = `${parsed.response.status} ${parsed.response.reason}`.trim()
    const to = slot.request ? ` to ${slot.request.method} ${slot.request.target}` : ''
    if (slot.rewrite !== undefined && slot.entry !== undefined) {
      const out = await rewriteMessage<EditableResponse>(response, slot.rewrite)
      response = out.message
      written = serialize(response)
      recordRule(this.port, slot.entry, 'rewrite', `rewrote the response ${summary}${to}${out.notes.length > 0 ? `: ${out.notes.join('; ')}` : ''}`, { summary, offset, size: bytes.length }, written)
    }
    const script = this.deps.script
    if (slot.script !== undefined && script?.has('onResponse') === true && !this.conv.closed) {
      const outcome = await script.onResponse(await scriptResponseOf(response), slot.script)
      if (this.conv.closed) return
      if (outcome.error !== undefined) recordRule(this.port, undefined, 'error', `the script's onResponse failed on ${summary}${to}: ${outcome.error}`, { summary, offset, size: bytes.length })
      if (outcome.delayMs !== undefined && outcome.delayMs > 0) await this.conv.sleep(outcome.delayMs)
      if (outcome.action === 'reset' || outcome.action === 'close' || outcome.action === 'fail') {
        recordRule(this.port, undefined, 'script', `the script ${outcome.action === 'close' ? 'closed' : 'reset'} the connection at the response ${summary}${to}`, { summary, offset, size: bytes.length })
        if (outcome.action === 'close') this.port!.close()
        else this.port!.reset('rule')
        return
      }
      if (outcome.action === 'drop') {
        recordRule(this.port, undefined, 'script', `the script dropped the response ${summary}${to}`, { summary, offset, size: bytes.length })
        return
      }
      if (outcome.changed !== undefined) {
        const notes: string[] = []
        response = await responseFromScript(response, outcome.changed, notes)
        written = serialize(response)
        recordRule(this.port, undefined, 'script', `the script changed the response ${summary}${to}${notes.length > 0 ? `: ${notes.join('; ')}` : ''}`, { summary, offset, size: bytes.length }, written)
      }
    }
    // What was recorded as delivered is what goes: written once.
    this.port!.send(written ?? bytes)
  }

  /** The 101 went (or goes, once its rewrite is done): what follows it, both ways, is WebSocket frames. */
  private turnWebSocket(upgrade: { extensions?: string }): void {
    this.upgrade = undefined
    const conv = this.conv
    conv.ws = new WsRelay(this.deps, {
      start: { client: conv.request.position, server: this.position },
      ...upgrade,
      ports: { client: () => conv.request.port, server: () => this.port },
      conv
    })
  }

  /**
   * The target cannot be reached: what was sent to it is answered 502 here, and the rules
   * answer the rest. No target will end the connection: once the client has sent its FIN,
   * the last answer made here does.
   */
  targetDown(why: string): boolean {
    this.conv.down = why
    for (let i = 0; i < this.conv.slots.length; i++) if (this.conv.slots[i].kind === 'target') this.conv.slots[i] = { kind: 'local', bytes: badGateway(why) }
    if (this.conv.clientFinished) this.clientDone()
    else this.pump()
    return true
  }

  /** The client sent its FIN and there is no target to end the connection (`serve --rules`, or it is down): the last answer, once delivered, does. */
  clientDone(): void {
    this.clientEnded = true
    this.flushOut()
    if (this.nothingToCome()) this.port?.end()
    else this.pump()
  }

  /**
   * No answer is left to come: none is waited for, or the next is one a rule never gives (a
   * timeout or drop step), which every later answer waits behind. The client has sent its FIN,
   * so nothing would ever end the connection but this.
   */
  private nothingToCome(): boolean {
    return this.conv.slots.length === 0 || this.conv.slots[0].kind === 'never'
  }

  private finish(): void {
    const out = this.framer?.finish()
    this.flushOut()
    if (out !== undefined) for (const bytes of out.pass) this.port!.send(bytes)
    // Answers made here that are ready still go, before the FIN; one still on its way (a
    // forward's, the other server not done yet) goes when it comes, and the FIN after it.
    while (this.deliverLocal());
    const front = this.conv.slots[0]
    if (front?.kind === 'local' && front.bytes === undefined) this.targetEnded = true
    else this.port!.end()
  }
}
