// A connection's traffic rules, whatever it carries: the first bytes tell which stages act
// on it. HTTP/2 (its preface, prior knowledge or after TLS with ALPN h2) goes to the HTTP/2
// rules, an HTTP/1 request line to the HTTP/1 rules, anything else (or a server that speaks
// first) to the message rules of a raw connection's protocol. Until it is told, what comes is
// kept (bounded by the preface's length); once told, the chosen pair is opened and given it.

import { CLIENT_PREFACE } from '../protocols/http2/frame-reader'
import { RECOGNISE_WAIT_MS } from '../breakpoint/message-framer'
import type { ForwardStage, StagePair, StagePort } from '../proxy/forward-stage'
import type { FrameSpec } from '../../shared/message-types'
import type { ScriptHost } from './script/script-host'
import { httpRulePair } from './http-rule-stage'
import { messageRulePair } from './messages/message-rule-pair'
import type { ConnFacts } from './rule-match'
import type { RuleSet } from './rule-set'

/** What every protocol's rule stages are given. */
export interface TrafficDeps {
  rules: RuleSet
  /** The connection's id in the capture (a script's `connId`). */
  connId: number
  /** The connection's facts (client, target, SNI, ALPN). */
  conn(): ConnFacts
  /** Where a respond step's relative `file` is read from. */
  baseDir?: string
  /** Sends an HTTP/1 request elsewhere (a forward step) and resolves with its whole response. */
  forward?(to: string, request: Buffer, method: string): Promise<Buffer>
  /** No target behind (`serve --rules`): what no rule answers is answered by tcpscope (404, or nothing for raw). */
  noTarget?: boolean
  /** How a raw connection is cut into messages when chosen (the proxy's --frame, "decode as"). */
  framing?(): FrameSpec | undefined
  /** The target's port, to recognise a protocol by it. */
  port?(): number | undefined
  /** The user's script, when one is loaded. */
  script?: ScriptHost
}

type Kind = 'http1' | 'h2' | 'messages'
type PairMaker = (deps: TrafficDeps) => StagePair

/** Each kind's stages; a kind with none passes bytes as they come. */
const MAKERS: Record<Kind, PairMaker | undefined> = {
  http1: httpRulePair,
  h2: undefined,
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
  return { client: sw.side('client'), server: sw.side('server') }
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

  constructor(private readonly deps: TrafficDeps) {}

  side(dir: Dir): ForwardStage {
    return {
      open: (port) => {
        this.ports[dir] = port
      },
      data: (chunk, port) => {
        this.ports[dir] = port
        if (this.chosen !== undefined) return this.pass(dir, chunk, port)
        this.waiting[dir].push({ kind: 'data', bytes: chunk })
        if (dir === 'client') {
          this.first = this.first.length === 0 ? chunk : Buffer.concat([this.first, chunk])
          const kind = kindOf(this.first)
          if (kind !== undefined) this.choose(kind)
          else this.timer ??= setTimeout(() => this.chosen === undefined && !this.closed && this.choose('messages'), RECOGNISE_WAIT_MS)
        } else this.choose('messages')
      },
      fin: (port) => {
        this.ports[dir] = port
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
        this.chosen?.client?.close?.()
        this.chosen?.server?.close?.()
      }
    }
  }

  private choose(kind: Kind): void {
    clearTimeout(this.timer)
    const make = MAKERS[kind]
    this.chosen = make === undefined ? {} : make(this.deps)
    for (const dir of ['client', 'server'] as const) {
      const port = this.ports[dir]
      if (port !== undefined) this.chosen[dir]?.open?.(port)
    }
    // The target was down before the client said what it speaks: a stage that cannot answer ends it.
    if (this.down !== undefined && this.chosen.server?.targetDown?.(this.down) !== true) return this.ports.server?.reset()
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
