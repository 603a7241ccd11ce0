// The console's side of `tcpscope proxy --break`: each message a breakpoint holds is shown
// (who sent it, which rule, a preview) and the person answers `f` forward, `e` edit in
// $EDITOR, `d` drop, `r` reset, `a` forward all and stop breaking; the prompt says what a
// drop does to this message (held.drop: an HTTP/2 stream reset, an HTTP/1 connection reset,
// else only the message gone), and each answer is confirmed in one line where it was asked.
// One message at a time, oldest first. Answers are read a line at a time from standard input,
// a terminal or not, so a script can answer too; once standard input ends, nobody is asked any
// more and held messages go on when their rule's timeout comes. A message open in $EDITOR
// stays held until the editor exits, however long that takes: its timeout is started again
// while it is edited.

import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface, type Interface } from 'node:readline'
import type { Readable } from 'node:stream'
import type { HeldMessage, HeldOutcome } from '../shared/break-types'
import { UserError } from '../shared/errors'
import { escapePreview, hexDump } from '../shared/hexdump'
import { formatBytes } from '../shared/human-readable'
import type { Engine } from '../core/engine'
import { line, type Io } from './output'

/** The question, with what a drop does to `m`. */
const prompt = (m: HeldMessage): string => `[f]orward, [e]dit in $EDITOR, [d]rop (${dropped(m).short}), [r]eset the connection, [a]ll (forward all, stop breaking)? `

/** What held.drop does to `m`, as its owner does it (h2-side.ts, break-direction.ts): in the prompt, and once done. */
function dropped(m: HeldMessage): { short: string; done: string } {
  if (m.stream !== undefined) return { short: `reset stream ${m.stream}`, done: `stream ${m.stream} reset (CANCEL) for the client and the target; the connection goes on` }
  if (m.kind === 'http-request' || m.kind === 'http-response') {
    const what = m.kind === 'http-request' ? 'request' : 'response'
    return { short: `resets the connection: HTTP/1 cannot end one ${what} alone`, done: `the connection was reset (RST to both sides): HTTP/1 cannot end one ${what} and keep its connection` }
  }
  return { short: 'the connection goes on without it', done: 'its receiver never gets it; the connection goes on' }
}

/** Bytes of a held message shown before the prompt. */
const SHOWN = 256

export interface BreakConsoleOptions {
  input: Readable
  env: NodeJS.ProcessEnv
}

export class BreakConsole {
  private readonly asked = new Set<number>()
  private readonly waiting: HeldMessage[] = []
  private readonly lines: string[] = []
  private lineWaiter: ((answer: string | undefined) => void) | undefined
  private ended = false
  private busy = false
  private readonly rl: Interface
  private unsubscribe: (() => void) | undefined

  constructor(
    private readonly engine: Engine,
    private readonly io: Io,
    private readonly opts: BreakConsoleOptions
  ) {
    this.rl = createInterface({ input: opts.input, terminal: false })
    this.rl.on('line', (l) => {
      if (this.lineWaiter !== undefined) {
        const w = this.lineWaiter
        this.lineWaiter = undefined
        w(l)
      } else this.lines.push(l)
    })
    this.rl.on('close', () => {
      this.ended = true
      this.lineWaiter?.(undefined)
      this.lineWaiter = undefined
    })
  }

  start(): void {
    this.unsubscribe = this.engine.subscribe((e) => {
      if (e.type !== 'held-updated' && e.type !== 'snapshot') return
      for (const m of e.held ?? []) {
        if (this.asked.has(m.id) || m.connClosed) continue
        this.asked.add(m.id)
        this.waiting.push(m)
      }
      // A console that fails (its terminal gone) says so once; the held messages go on at their timeouts.
      this.next().catch((err: unknown) => line(this.io.err, `tcpscope: the breakpoint console stopped: ${err instanceof Error ? err.message : String(err)}`))
    })
  }

  stop(): void {
    this.unsubscribe?.()
    this.rl.close()
  }

  private async next(): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      while (this.waiting.length > 0 && !this.ended) await this.ask(this.waiting.shift()!)
    } finally {
      this.busy = false
    }
  }

  private async ask(m: HeldMessage): Promise<void> {
    const bytes = await this.engine['held.read']({ heldId: m.id }).catch(() => undefined)
    if (bytes === undefined) return line(this.io.err, `tcpscope: held ${m.id} (#${m.connId}) went on before it was asked about (a timeout, or its connection closed)`)
    this.show(m, bytes)
    for (;;) {
      this.io.err.write(prompt(m))
      const answer = await this.answer()
      if (answer === undefined) {
        line(this.io.err, '\ntcpscope: standard input ended: held messages go on when their breakpoint\'s timeout comes')
        return
      }
      const done = await this.act(m, answer.trim().toLowerCase(), Buffer.from(bytes)).catch((err: unknown) => {
        line(this.io.err, `tcpscope: ${err instanceof Error ? err.message : String(err)}`)
        return true
      })
      if (done) return
    }
  }

  /** True once the message is settled (or gone); false to ask again. */
  private async act(m: HeldMessage, answer: string, bytes: Buffer): Promise<boolean> {
    const heldId = m.id
    // Said where the question was asked; the `break` record goes with the traffic on stdout.
    const told = (outcome: HeldOutcome, what: string): true => {
      line(this.io.err, `tcpscope: held ${heldId} ${outcome.action === 'closed' ? 'was not sent: its connection had closed meanwhile' : what}`)
      return true
    }
    switch (answer) {
      case 'f':
        return told(await this.engine['held.forward']({ heldId }), 'forwarded as it came')
      case 'd':
        return told(await this.engine['held.drop']({ heldId }), `dropped: ${dropped(m).done}`)
      case 'r':
        return told(await this.engine['held.close']({ heldId, how: 'rst' }), 'dropped: the connection was reset (RST to both sides)')
      case 'a': {
        const { forwarded } = await this.engine['held.forwardAll']({ disable: true })
        line(this.io.err, `tcpscope: forwarded ${forwarded} held message${forwarded === 1 ? '' : 's'} as they came, and turned their breakpoints off`)
        return true
      }
      case 'e': {
        const keeper = keepHeld(this.engine, m)
        let edited: Buffer | undefined
        try {
          edited = await this.edit(bytes)
        } finally {
          keeper.stop()
        }
        const released = (): true => {
          line(this.io.err, `tcpscope: held ${heldId} was released before $EDITOR closed (its timeout, or the proxy stopping): the edit was not sent`)
          return true
        }
        if (keeper.gone) return released()
        if (edited === undefined) return false
        const outcome = await this.engine['held.forward']({ heldId, bytes: edited }).catch((err: unknown) => {
          if (err instanceof UserError && err.code === 'ENOENT') return undefined
          throw err
        })
        if (outcome === undefined) return released()
        if (outcome.action === 'closed') line(this.io.err, `tcpscope: held ${heldId}: its connection closed before $EDITOR did: the edit was not sent`)
        else line(this.io.err, `tcpscope: ${outcome.action === 'edited' ? `sent the edit (${formatBytes(outcome.sent)})` : 'unchanged: sent as it came'}`)
        return true
      }
      default:
        line(this.io.err, `tcpscope: answer f, e, d, r or a (got "${answer}")`)
        return false
    }
  }

  /** The held bytes through $EDITOR (then $VISUAL, then vi), in a file only this user can read; undefined if the editor failed. */
  private async edit(bytes: Buffer): Promise<Buffer | undefined> {
    const editor = this.opts.env.EDITOR || this.opts.env.VISUAL || 'vi'
    const dir = await mkdtemp(join(tmpdir(), 'tcpscope-held-'))
    const file = join(dir, 'held.bin')
    try {
      await writeFile(file, bytes, { mode: 0o600 })
      this.rl.pause()
      // The editor is the person's own command line ("code -w" included): run by the shell, the file as its argument.
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn('sh', ['-c', `${editor} "$1"`, 'editor', file], { stdio: 'inherit' })
        child.on('error', () => resolve(null))
        child.on('exit', (c) => resolve(c))
      })
      if (code !== 0) {
        line(this.io.err, `tcpscope: ${editor} exited ${code === null ? 'without starting' : `with ${code}`}: nothing sent; answer again`)
        return undefined
      }
      return await readFile(file)
    } finally {
      // Not once the console stopped (the proxy stopping while the editor was open): reading standard input again would keep the process alive.
      if (!this.ended) this.rl.resume()
      await rm(dir, { recursive: true, force: true })
    }
  }

  private show(m: HeldMessage, bytes: Uint8Array): void {
    const way = m.dir === 'client' ? 'client -> target' : 'target -> client'
    const what = m.summary !== undefined ? ` ${m.summary}` : ''
    line(this.io.err, `\ntcpscope: #${m.connId} ${way}: held ${formatBytes(m.size)} by ${m.ruleId}${what} (held ${m.id})`)
    const shown = bytes.subarray(0, SHOWN)
    const printable = shown.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127))
    if (printable) line(this.io.err, `  "${escapePreview(shown, SHOWN)}"`)
    else for (const l of hexDump(shown)) line(this.io.err, `  ${l}`)
    if (bytes.length > SHOWN) line(this.io.err, `  ... ${formatBytes(bytes.length - SHOWN)} more`)
  }

  private answer(): Promise<string | undefined> {
    if (this.lines.length > 0) return Promise.resolve(this.lines.shift())
    if (this.ended) return Promise.resolve(undefined)
    return new Promise((resolve) => (this.lineWaiter = resolve))
  }
}

interface HoldKeeper {
  /** Stops keeping it held (the editor exited). */
  stop(): void
  /** A keep found it gone: it was released (its timeout came first, or the proxy let it go). */
  readonly gone: boolean
}

/**
 * Keeps held message `m` held while a person edits it, so its timeout does not forward it
 * unchanged under them: whenever less than a third of its hold is left, held.keep starts the
 * hold again, one call at a time. A message held with no timeout needs nothing.
 */
function keepHeld(engine: Engine, m: HeldMessage): HoldKeeper {
  const holdMs = m.expiresAt === undefined ? 0 : m.expiresAt - m.heldAt
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  const keeper = {
    gone: false,
    stop: (): void => {
      stopped = true
      clearTimeout(timer)
    }
  }
  const keepBefore = (expiresAt: number | undefined): void => {
    if (stopped || expiresAt === undefined || holdMs <= 0) return
    timer = setTimeout(() => {
      engine['held.keep']({ heldId: m.id }).then(
        // A message whose connection closed has no timeout left: nothing more to keep.
        (kept) => keepBefore(kept.connClosed === true ? undefined : kept.expiresAt),
        () => (keeper.gone = true)
      )
    }, Math.max(0, expiresAt - holdMs / 3 - Date.now()))
  }
  keepBefore(m.expiresAt)
  return keeper
}
