// A connection's traffic rules, whatever it carries: the first bytes tell which stages act
// on it. HTTP/2 (its preface, prior knowledge or after TLS with ALPN h2) goes to the HTTP/2
// rules, an HTTP/1 request line to the HTTP/1 rules, anything else (or a server that speaks
// first) to the message rules of a raw connection's protocol. Until it is told, what comes is
// kept (bounded by the preface's length); once told, the chosen pair is opened and given it.
// A target found down before then is told to the chosen pair as it opens (HTTP/1's and
// HTTP/2's answer for it: http-response-side.ts, h2/h2-target-down.ts), else the client is
// reset as the target's refusal would have.
//
// The user's script hears of the connection: onConnect as it opens, with both sides held
// (not read) and what they sent kept until it answers, which may delay the connection, or
// close or reset it there; onClose once it is over, answered by no one.

import { CLIENT_PREFACE } from '../protocols/http2/frame-reader'
import { RECOGNISE_WAIT_MS } from '../breakpoint/message-framer'
import type { ForwardStage, StagePair, StagePort } from '../proxy/forward-stage'
import type { HookOutcome, ScriptConnection } from './script/script-types'
import { recordRule } from './rule-record'
import { httpRulePair } from './http-rule-stage'
import { h2RulePair, opensLikeH2 } from './h2/h2-rule-pair'
import { messageRulePair } from './messages/message-rule-pair'
import type { TrafficDeps } from './traffic-deps'

type Kind = 'http1' | 'h2' | 'messages'
type PairMaker = (deps: TrafficDeps) => StagePair

/** Each kind's stages; a kind with none passes bytes as they come. */
const MAKERS: Record<Kind, PairMaker | undefined> = {
  http1: httpRulePair,
  h2: h2RulePair,
  messages: messageRulePair
}

const HTTP1_START = /^[A-Z]{3,16} \S/

/** Which kind the client's first bytes say, or undefined while they could still be either. */
function kindOf(first: Buffer): Kind | undefined {
  const n = Math.min(first.length, CLIENT_PREFACE.length)
  if (first.subarray(0, n).equals(CLIENT_PREFACE.subarray(0, n))) return n === CLIENT_PREFACE.length ? 'h2' : undefined
  const text = first.subarray(0, 24).toString('latin1')
  if (HTTP1_START.test(text)) return 'http1'
  if (/^[A-Z]{1,16}$/.test(text)) return undefined
  return 'messages'
}

export function trafficPair(deps: TrafficDeps): StagePair {
  const sw = new TrafficSwitch(deps)
  return { client: sw.stages.client, server: sw.stages.server }
}

type Dir = 'client' | 'server'
type Waiting = { kind: 'data'; bytes: Buffer } | { kind: 'fin' }

class TrafficSwitch {
  private chosen: StagePair | undefined
  private readonly ports: Partial<Record<Dir, StagePort>> = {}
  private readonly waiting: Record<Dir, Waiting[]> = { client: [], server: [] }
  private first: Buffer = Buffer.alloc(0)
  private closed = false
  /** Why the target cannot be reached, once known. */
  private down: string | undefined
  /** A client whose first bytes cannot tell (a bare `PING`) waits for an answer: after a moment, it is a raw connection. */
  private timer: NodeJS.Timeout | undefined
  /** While the script's onConnect runs: what either side sent, in the order it came, given on once it answered. */
  private gated: Array<{ dir: Dir; item: Waiting }> | undefined
  private connectStarted = false
  private connectDelay: NodeJS.Timeout | undefined
  readonly stages: Record<Dir, ForwardStage>

  constructor(private readonly deps: TrafficDeps) {
    this.stages = { client: this.side('client'), server: this.side('server') }
  }

  private side(dir: Dir): ForwardStage {
    return {
      open: (port) => {
        this.ports[dir] = port
        this.connect()
        if (this.gated !== undefined) port.hold(true)
      },
      data: (chunk, port) => {
        this.ports[dir] = port
        if (this.gated !== undefined) return void this.gated.push({ dir, item: { kind: 'data', bytes: chunk } })
        if (this.chosen !== undefined) return this.pass(dir, chunk, port)
        this.waiting[dir].push({ kind: 'data', bytes: chunk })
        if (dir === 'client') {
          this.first = this.first.length === 0 ? chunk : Buffer.concat([this.first, chunk])
          const kind = kindOf(this.first)
          if (kind !== undefined) this.choose(kind)
          else this.timer ??= setTimeout(() => this.chosen === undefined && !this.closed && this.choose('messages'), RECOGNISE_WAIT_MS)
        } else if (opensLikeH2(chunk)) this.timer ??= setTimeout(() => this.chosen === undefined && !this.closed && this.choose('messages'), RECOGNISE_WAIT_MS)
        else this.choose('messages')
      },
      fin: (port) => {
        this.ports[dir] = port
        if (this.gated !== undefined) return void this.gated.push({ dir, item: { kind: 'fin' } })
        if (this.chosen !== undefined) return this.passFin(dir, port)
        this.waiting[dir].push({ kind: 'fin' })
        // Ended before it said what it is: nothing to act on.
        this.choose(dir === 'client' && this.first.length > 0 ? (kindOf(this.first) ?? 'messages') : 'messages')
      },
      // Only the target direction's stage is asked (forward-stage.ts).
      ...(dir === 'server'
        ? {
            targetDown: (why: string): boolean => {
              this.down = why
              if (this.chosen !== undefined) return this.chosen.server?.targetDown?.(why) === true
              // Not told yet what the client speaks: rules that could answer HTTP keep it.
              return this.deps.rules.framesHttp || this.deps.script !== undefined
            }
          }
        : {}),
      close: () => {
        if (this.closed) return
        this.closed = true
        clearTimeout(this.timer)
        clearTimeout(this.connectDelay)
        this.gated = undefined
        this.chosen?.client?.close?.()
        this.chosen?.server?.close?.()
        // A connection never opened (a forward proxy's tunnel that closed before it ran, target-down.ts) is not the script's to hear of.
        const opened = this.ports.client !== undefined || this.ports.server !== undefined
        // The script's failure is reported by its host; the connection is over either way.
        if (opened && this.deps.script?.has('onClose') === true) this.deps.script.onClose(this.scriptConnection()).catch(() => undefined)
      }
    }
  }

  /** The script's onConnect, once, as the first side opens: until it answers, neither side is read. */
  private connect(): void {
    const script = this.deps.script
    if (this.connectStarted || script === undefined || !script.has('onConnect')) return
    this.connectStarted = true
    this.gated = []
    script.onConnect(this.scriptConnection()).then(
      (outcome) => this.connected(outcome),
      (err: unknown) => this.connected({ error: (err as Error).message })
    )
  }

  private connected(outcome: HookOutcome<never>): void {
    if (this.closed) return
    const record = (action: 'error' | 'delay' | 'script', message: string): void => recordRule(this.ports.client, undefined, action, message)
    if (outcome.error !== undefined) record('error', `the script's onConnect failed: ${outcome.error}; the connection went on`)
    const ms = outcome.delayMs ?? 0
    if (ms > 0 && this.connectDelay === undefined) {
      record('delay', `the script delayed the connection ${ms} ms`)
      this.connectDelay = setTimeout(() => this.connected(outcome.action !== undefined ? { action: outcome.action } : {}), ms)
      return
    }
    // ctx.fail() has no error of its own to give a connection: it is reset.
    const end = outcome.action === 'fail' ? 'reset' : outcome.action
    if (end === 'reset' || end === 'close') {
      record('script', `the script ${end === 'reset' ? 'reset' : 'closed'} the connection`)
      this.gated = undefined
      const port = this.ports.server ?? this.ports.client
      return end === 'reset' ? port?.reset('rule') : port?.close()
    }
    const gated = this.gated ?? []
    this.gated = undefined
    for (const dir of ['client', 'server'] as const) this.ports[dir]?.hold(false)
    for (const { dir, item } of gated) {
      if (this.closed) return
      const port = this.ports[dir]!
      try {
        if (item.kind === 'data') this.stages[dir].data(item.bytes, port)
        else this.stages[dir].fin(port)
      } catch (err) {
        // Out of the proxy's call, no one else catches a stage that throws: it ends the connection as the proxy's own catch does.
        return port.fail(err)
      }
    }
  }

  private scriptConnection(): ScriptConnection {
    const conn = this.deps.conn()
    const host = conn.targetHost?.includes(':') === true ? `[${conn.targetHost}]` : (conn.targetHost ?? '')
    return { id: this.deps.connId, client: conn.client, target: conn.targetPort === undefined ? host : `${host}:${conn.targetPort}` }
  }

  private choose(kind: Kind): void {
    clearTimeout(this.timer)
    const make = MAKERS[kind]
    this.chosen = make === undefined ? {} : make(this.deps)
    for (const dir of ['client', 'server'] as const) {
      const port = this.ports[dir]
      if (port !== undefined) this.chosen[dir]?.open?.(port)
    }
    // The target was down before the client said what it speaks: a stage that cannot answer ends it
    // as the connect's failure would have (a client that left without a byte asked nothing, and is let go with a FIN).
    if (this.down !== undefined && this.chosen.server?.targetDown?.(this.down) !== true) {
      const leftSilent = this.first.length === 0 && this.waiting.client.some((w) => w.kind === 'fin')
      return leftSilent ? this.ports.server?.end() : this.ports.server?.refuse()
    }
    for (const dir of ['client', 'server'] as const) {
      const list = this.waiting[dir]
      this.waiting[dir] = []
      const port = this.ports[dir]
      if (port === undefined) continue
      for (const w of list) {
        if (w.kind === 'data') this.pass(dir, w.bytes, port)
        else this.passFin(dir, port)
      }
    }
  }

  private pass(dir: Dir, chunk: Buffer, port: StagePort): void {
    const stage = this.chosen![dir]
    if (stage === undefined) {
      if (!this.deps.noTarget) port.send(chunk)
    } else stage.data(chunk, port)
  }

  private passFin(dir: Dir, port: StagePort): void {
    const stage = this.chosen![dir]
    if (stage === undefined) port.end()
    else stage.fin(port)
  }
}
