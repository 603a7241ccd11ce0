// The engine's intercepted commands (Intercept ▸ "A command…", intercept.command.*): each
// program runs as `tcpscope run` runs it (run-program.ts: proxychains4, its configuration,
// the proxy variables), through a forward proxy started for it alone, so the connections
// that proxy owns are the program's (the sidebar's filter, the "no connection seen" note)
// and its TLS interception is the one asked for. Its stdin is empty; what it writes to
// stdout and stderr is kept, the last OUTPUT_TAIL_BYTES of each, and told to the front ends
// as it comes (the event batcher coalesces it). Once it exits, its connections get a moment
// to close (as `tcpscope run` gives them), then its proxy and configuration go; the command
// stays listed, with its exit and its output, until removed. The engine's close stops them.

import { StringDecoder } from 'node:string_decoder'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import type { CommandTable } from '../command-table'
import type { ProxyInfo } from '../../shared/events'
import type { CommandOutputChunk, InterceptedCommand } from '../../shared/intercept-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { OutputTail } from '../../shared/output-tail'
import { ChildGroup, type ChildExit } from './child-group'
import { findProgram, noConnectionNote, planProgram, settled } from './run-program'

export type CommandRunCommand = 'intercept.command' | 'intercept.command.stop' | 'intercept.command.remove'

/** Commands listed at once, running or exited: past it the oldest exited one is forgotten, and with none exited a new one is refused. */
export const MAX_COMMANDS = 16

type Stream = CommandOutputChunk['stream']

export interface CommandRunDeps {
  /** Starts a forward proxy on a free loopback port for one command, intercepting TLS or not. */
  startProxy(interceptTls: boolean): Promise<ProxyInfo>
  /** The proxy as it is now (its open connections, how many it accepted). */
  proxy(id: string): ProxyInfo | undefined
  removeProxy(id: string): Promise<void>
  /** tcpscope's CA certificate file (made on first use). */
  caPath(): Promise<string>
  updated(command: InterceptedCommand): void
  output(chunk: CommandOutputChunk): void
  warn(message: string): void
  checkOpen(): void
}

interface Run {
  info: InterceptedCommand
  child?: ChildGroup
  tails: Record<Stream, OutputTail>
  decoders: Record<Stream, StringDecoder>
  /** Resolves once its exit is handled: proxy and configuration gone, front ends told. */
  done: Promise<void>
}

/** The folder asked for, on the engine's host: `~` is the home folder, a relative one is from the engine's working folder. */
function folderOf(cwd: string | undefined): string {
  if (cwd === undefined) return process.cwd()
  if (cwd === '~' || cwd.startsWith('~/')) return join(homedir(), cwd.slice(1))
  return isAbsolute(cwd) ? cwd : resolve(cwd)
}

export class CommandRuns {
  private readonly runs = new Map<string, Run>()
  private next = 1

  constructor(private readonly deps: CommandRunDeps) {}

  list(): InterceptedCommand[] {
    return [...this.runs.values()].map((r) => r.info)
  }

  /** Each command's kept output, as a front end that connects now starts from. */
  outputs(): CommandOutputChunk[] {
    return [...this.runs.values()].flatMap((r) =>
      (['stdout', 'stderr'] as const).flatMap((stream) => {
        const { text, dropped } = r.tails[stream]
        return text === '' && dropped === 0 ? [] : [{ commandId: r.info.commandId, stream, text, dropped }]
      })
    )
  }

  /** Room for one more: the oldest exited command goes, or, all running, a one-line refusal. */
  private makeRoom(): void {
    if (this.runs.size < MAX_COMMANDS) return
    const exited = [...this.runs.values()].find((r) => r.info.state === 'exited')
    if (exited === undefined) throw new UserError(`${MAX_COMMANDS} commands are running already; stop one first`, ERROR_CODES.ESTATE)
    this.forget(exited)
  }

  private async start(argv: string[], cwdAsked: string | undefined, interceptTls: boolean): Promise<InterceptedCommand> {
    this.deps.checkOpen()
    this.makeRoom()
    const [command, ...args] = argv
    const cwd = folderOf(cwdAsked)
    const proxychains = await findProgram(command, cwd)
    const proxy = await this.deps.startProxy(interceptTls)
    const commandId = `c${this.next++}`
    const run: Run = {
      info: { commandId, argv, cwd, pid: 0, proxyId: proxy.id, proxy: proxy.listen, interceptTls, state: 'running' },
      tails: { stdout: new OutputTail(), stderr: new OutputTail() },
      decoders: { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') },
      done: Promise.resolve()
    }
    try {
      const caPath = interceptTls ? await this.deps.caPath() : undefined
      const plan = await planProgram({ proxychains, command, args, proxy: proxy.listen, caPath })
      try {
        run.child = await ChildGroup.start(plan.argv[0], plan.argv.slice(1), { env: plan.env, cwd, output: (stream, chunk) => this.wrote(run, stream, run.decoders[stream].write(chunk)) })
      } catch (err) {
        await plan.config.remove()
        throw err
      }
      const child = run.child
      run.info = { ...run.info, pid: child.pid }
      run.done = child.ended
        .then(async (how) => {
          await plan.config.remove()
          await this.ended(run, how)
        })
        .catch((err: unknown) => this.deps.warn(`${command} ended, but cleaning up after it failed: ${(err as Error).message}`))
      this.runs.set(commandId, run)
      this.deps.updated(run.info)
      return run.info
    } catch (err) {
      await this.deps.removeProxy(proxy.id).catch(() => undefined)
      throw err
    }
  }

  private wrote(run: Run, stream: Stream, text: string): void {
    if (text === '') return
    run.tails[stream].append(text)
    this.deps.output({ commandId: run.info.commandId, stream, text, dropped: 0 })
  }

  private async ended(run: Run, how: ChildExit): Promise<void> {
    for (const stream of ['stdout', 'stderr'] as const) this.wrote(run, stream, run.decoders[stream].end())
    const { proxyId } = run.info
    // Its connections' last bytes and closes are recorded before its proxy goes.
    await settled(() => (this.deps.proxy(proxyId)?.active ?? 0) > 0)
    const connections = this.deps.proxy(proxyId)?.accepted ?? 0
    await this.deps.removeProxy(proxyId).catch((err: unknown) => this.deps.warn(`could not stop proxy ${proxyId}: ${(err as Error).message}`))
    const exit = how.signal !== null ? { signal: how.signal } : { exitCode: how.code ?? undefined }
    run.info = { ...run.info, state: 'exited', ...exit, connections, ...(connections === 0 ? { note: noConnectionNote(run.info.argv[0], how) } : {}) }
    // Removed while it was ending: it stays gone.
    if (this.runs.get(run.info.commandId) === run) this.deps.updated(run.info)
  }

  private forget(run: Run): void {
    this.runs.delete(run.info.commandId)
    this.deps.updated({ ...run.info, state: 'removed' })
  }

  private find(commandId: string): Run {
    const run = this.runs.get(commandId)
    if (!run) throw new UserError(`no command "${commandId}"; it may have been removed`, 'ENOENT')
    return run
  }

  private async stop(run: Run): Promise<void> {
    await run.child?.stop()
    await run.done
  }

  readonly commands: CommandTable<CommandRunCommand> = {
    'intercept.command': async (args) => this.start(args.argv, args.cwd, args.interceptTls === true),
    'intercept.command.stop': async (args) => {
      const run = this.find(args.commandId)
      await this.stop(run)
      return run.info
    },
    'intercept.command.remove': async (args) => {
      const run = this.find(args.commandId)
      await this.stop(run)
      this.forget(run)
    }
  }

  /** Stops every command still running (the engine's close). */
  async close(): Promise<void> {
    await Promise.all([...this.runs.values()].map((r) => this.stop(r)))
  }
}
