// Setups as the engine's commands (setup.*, ui.state.*): what runs now as a document, named
// setups saved and started, and the last setup kept as things start and stop, so the app
// can offer it at its next start. A setup starts through the engine's own commands, as a
// front end would start each part by hand: one part that fails is reported, the rest start.

import type { CommandTable } from '../command-table'
import type { EngineApi } from '../../shared/contract'
import { breakSpecOf, type BreakRule } from '../../shared/break-types'
import { toxicSpecOf, type Toxic } from '../../shared/fault-types'
import type { ProxyStartArgs } from '../../shared/proxy-args'
import type { ClientConnectArgs, ServerStartArgs } from '../../shared/session-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { namesFilePayload } from '../../shared/payload/file-payloads'
import { partText, SETUP_KIND, SETUP_VERSION, type LastSetup, type Setup, type SetupOutcome, type SetupPart } from '../../shared/setup-types'
import { parseSetup } from '../../shared/setup-migrations'
import type { SetupStore } from './setup-store'
import type { RulesState } from '../../shared/rules/rule-args'

/** A proxy's traffic rules as a setup keeps them: the file they came from (loaded again), else the list; and its script. */
function trafficOf(state: RulesState | undefined): { rules?: unknown[]; rulesFile?: string; script?: string } {
  if (state === undefined) return {}
  const out: { rules?: unknown[]; rulesFile?: string; script?: string } = {}
  if (state.file !== undefined) out.rulesFile = state.file
  else if (state.rules.length > 0) out.rules = state.rules.map((r) => ({ ...r.spec, enabled: r.enabled }))
  if (state.script !== undefined) out.script = state.script.path
  return out
}

export type SetupCommand =
  | 'setup.current'
  | 'setup.list'
  | 'setup.read'
  | 'setup.save'
  | 'setup.import'
  | 'setup.duplicate'
  | 'setup.delete'
  | 'setup.open'
  | 'setup.apply'
  | 'setup.last'
  | 'setup.restore'
  | 'ui.state.get'
  | 'ui.state.set'

export interface SetupsDeps {
  store: SetupStore
  /** The engine's commands, which a setup starts through. */
  api: () => EngineApi
  /** The proxies a person started (not those started for an intercepted browser), as they would start again. */
  proxies: () => Array<{ id: string; start: ProxyStartArgs }>
  rulesOf: (proxyId: string) => { toxics: Toxic[]; breaks: BreakRule[]; traffic?: RulesState }
  sessions: () => { servers: ServerStartArgs[]; clients: ClientConnectArgs[] }
  /** Keep the last setup as things change (the app and web mode); off for one-off CLI runs. */
  keepLast: boolean
  /**
   * Whether a part that sends a file's contents (a payload of kind `file`) may start from a
   * stored setup: web mode without --allow-files says no, as it refuses such a call outright.
   */
  filePayloads: boolean
  filesHint: string
  warn: (message: string) => void
}

/** How long a burst of changes (a setup starting, clients coming and going) is let settle before the last setup is written. */
const KEEP_DELAY_MS = 300


export class Setups {
  private timer: NodeJS.Timeout | undefined
  /** What was last written as the last setup (or read at start), so an unchanged state is not written again. */
  private kept: string | undefined
  private keeping: boolean
  /** Something changed this run: a run that changed nothing leaves the last run's setup to offer again. */
  private dirty = false
  private keptError: string | undefined
  /**
   * The last setup as this run found it: what setup.last offers and setup.restore starts, all
   * run long, though the file moves on as this run's own things start and stop. Read when first
   * needed, and always before this run writes it; a damaged file is set aside (and said) then.
   */
  private fromLastRun: Promise<LastSetup | null> | undefined

  constructor(private readonly deps: SetupsDeps) {
    this.keeping = deps.keepLast
  }

  private lastRun(): Promise<LastSetup | null> {
    this.fromLastRun ??= this.deps.store.readLast().catch((err: unknown) => {
      this.deps.warn(err instanceof Error ? err.message : String(err))
      return null
    })
    return this.fromLastRun
  }

  /** What runs now, as a setup. */
  current(): Setup {
    return {
      kind: SETUP_KIND,
      version: SETUP_VERSION,
      proxies: this.deps.proxies().map(({ id, start }) => {
        const { toxics, breaks, traffic } = this.deps.rulesOf(id)
        return { start, toxics: toxics.map(toxicSpecOf), breakpoints: breaks.map(breakSpecOf), ...trafficOf(traffic) }
      }),
      ...this.deps.sessions()
    }
  }

  /** Starts every part of `setup`; each that fails is one line of the outcome. */
  async apply(setup: Setup): Promise<SetupOutcome> {
    const api = this.deps.api()
    const out: SetupOutcome = { proxies: [], servers: [], clients: [], failures: [] }
    const attempt = async <T>(part: SetupPart, run: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await run()
      } catch (err) {
        if (!(err instanceof UserError)) throw err
        out.failures.push({ what: partText(part), part, message: err.message })
        return undefined
      }
    }
    /** A stored setup's part that would send a host file where this front end may not. */
    const readsFiles = (part: unknown): boolean => !this.deps.filePayloads && namesFilePayload(part)
    const refuse = async (what = "it sends a file's contents (a payload of kind file)"): Promise<never> => {
      throw new UserError(`${what}, which is off here; ${this.deps.filesHint}`, ERROR_CODES.EFORBIDDEN)
    }
    for (const proxy of setup.proxies) {
      const part: SetupPart = { kind: 'proxy', where: `${proxy.start.listen} → ${proxy.start.target ?? 'forward'}` }
      const info = await attempt(part, () => api['proxy.start'](proxy.start))
      if (info === undefined) continue
      out.proxies.push(info.id)
      for (const toxic of proxy.toxics ?? []) {
        await attempt({ ...part, rule: { kind: 'toxic', name: toxic.name ?? toxic.type } }, () => api['toxic.add']({ proxyId: info.id, toxic }))
      }
      for (const rule of proxy.breakpoints ?? []) {
        await attempt({ ...part, rule: { kind: 'breakpoint', name: rule.match } }, () => api['break.add']({ proxyId: info.id, rule }))
      }
      // A rules file and a script are read from the engine's host (a script is run): only where files may be.
      if (proxy.rulesFile !== undefined) {
        const path = proxy.rulesFile
        await attempt({ ...part, rule: { kind: 'rules', name: path } }, () => (this.deps.filePayloads ? api['rules.load']({ proxyId: info.id, path }) : refuse('it reads a rules file on this host')))
      } else if (proxy.rules !== undefined && proxy.rules.length > 0) {
        const rules = proxy.rules
        await attempt({ ...part, rule: { kind: 'rules', name: `(${rules.length})` } }, () => api['rules.set']({ proxyId: info.id, rules }))
      }
      if (proxy.script !== undefined) {
        const path = proxy.script
        await attempt({ ...part, rule: { kind: 'script', name: path } }, () => (this.deps.filePayloads ? api['script.load']({ proxyId: info.id, path }) : refuse('it runs a script from this host')))
      }
    }
    for (const server of setup.servers) {
      const info = await attempt({ kind: 'server', where: server.listen }, () => (readsFiles(server) ? refuse() : api['server.start'](server)))
      if (info !== undefined) out.servers.push(info.id)
    }
    for (const client of setup.clients) {
      const info = await attempt({ kind: 'client', where: `→ ${client.target}` }, () => (readsFiles(client) ? refuse() : api['client.connect'](client)))
      if (info !== undefined) out.clients.push(info.id)
    }
    return out
  }

  /** Something started, stopped or changed: the last setup is written once things settle. */
  changed(): void {
    if (!this.keeping) return
    this.dirty = true
    if (this.timer !== undefined) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (this.keeping) this.keep().catch(() => undefined)
    }, KEEP_DELAY_MS)
    this.timer.unref()
  }

  /**
   * Stops keeping, then writes what runs now (if anything changed this run): the engine is
   * closing and is about to stop everything itself, which must not be kept.
   */
  async close(): Promise<void> {
    if (!this.keeping) return
    this.keeping = false
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.dirty) await this.keep()
  }

  private async keep(): Promise<void> {
    const setup = this.current()
    const text = JSON.stringify(setup)
    if (text === this.kept) return
    if (this.kept === undefined) {
      // The first change of a run: what the last run left is what to compare with.
      const last = await this.lastRun()
      if (last !== null && JSON.stringify(last.setup) === text) return void (this.kept = text)
    }
    try {
      await this.deps.store.writeLast(setup)
      this.kept = text
      this.keptError = undefined
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      // Said once, not at every change, until a write works again.
      if (message !== this.keptError) this.deps.warn(message)
      this.keptError = message
    }
  }

  readonly commands: CommandTable<SetupCommand> = {
    'setup.current': async () => this.current(),
    'setup.list': () => this.deps.store.list(),
    'setup.read': ({ name }) => this.deps.store.read(name),
    'setup.save': ({ name, overwrite }) => this.deps.store.save(name, this.current(), overwrite),
    'setup.import': async ({ name, setup, overwrite }) => this.deps.store.save(name, parseSetup(setup), overwrite),
    'setup.duplicate': async ({ name, as }) => this.deps.store.save(as, await this.deps.store.read(name)),
    'setup.delete': ({ name }) => this.deps.store.remove(name),
    'setup.open': async ({ name }) => this.apply(await this.deps.store.read(name)),
    'setup.apply': async ({ setup }) => this.apply(parseSetup(setup)),
    'setup.last': () => this.lastRun(),
    'setup.restore': async () => {
      const last = await this.lastRun()
      if (last === null) throw new UserError('no setup from last time: nothing was running when tcpscope last ran', 'ENOENT')
      return this.apply(last.setup)
    },
    'ui.state.get': () => this.deps.store.readUiState(),
    'ui.state.set': ({ state }) => this.deps.store.writeUiState(state)
  }
}
