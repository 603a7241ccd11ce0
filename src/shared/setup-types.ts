// Setups: what a person had running (proxies with their breakpoints and toxics, servers
// with their behaviour, clients), as a document that outlives the process. The engine keeps
// the last one and named ones in its data folder; `tcpscope up FILE` and an import read the
// same document. docs/setup-format.md describes it for people writing one by hand.

import { arr, bool, obj, optional, str, ValidationError, type Infer, type Schema } from './schema'
import { proxyStartArgs } from './proxy-args'
import { toxicSpec } from './fault-types'
import { breakRuleSpec } from './break-types'
import { clientConnectArgs, serverStartArgs } from './session-types'
import { checkRules } from './rules/rule-schema'
import { EndpointError, parseConnectEndpoint, parseEndpoint } from './endpoint'
import { FrameSpecError, parseFrameSpec } from './message-types'

/** What a setup file says it is, so a stray JSON file is told apart from one. */
export const SETUP_KIND = 'tcpscope-setup'
/** The format this build writes; older files are migrated on read (setup-migrations.ts). */
export const SETUP_VERSION = 1
/** A setup file is small; anything bigger is not one. */
export const MAX_SETUP_BYTES = 4 * 1024 * 1024
const MAX_ITEMS = 256

/** Traffic rules as a rules file holds them (checked by its schema; unknown[] for the contract's sake, see rule-args.ts). */
const trafficRules: Schema<readonly unknown[]> = {
  parse: (v, path) => {
    try {
      return checkRules(v).rules
    } catch (err) {
      throw new ValidationError(`${path}: ${(err as Error).message}`)
    }
  }
}

const rulesFileSchema = optional(str({ nonEmpty: true, max: 4096 }))
const scriptSchema = optional(str({ nonEmpty: true, max: 4096 }))

export const setupProxy = obj({
  /** As proxy.start takes it; `listen` is the address it really had (port 0 resolved), so it comes back on the same port. */
  start: proxyStartArgs,
  toxics: optional(arr(toxicSpec, { max: MAX_ITEMS })),
  breakpoints: optional(arr(breakRuleSpec, { max: MAX_ITEMS })),
  /** Its traffic rules, in order, when set by hand (a list). */
  rules: optional(trafficRules),
  /** The rules file they were loaded from, loaded (and watched) again instead of a list. */
  rulesFile: rulesFileSchema,
  /** Its script of hooks, loaded again. */
  script: scriptSchema
})
export type SetupProxy = Infer<typeof setupProxy>

/** The document's fields after `kind` and `version`, which setup-migrations.ts checks first. */
const setupBody = {
  /** The name it was saved under (informative: the file's own name is the setup's name). */
  name: optional(str({ max: 64 })),
  proxies: optional(arr(setupProxy, { max: MAX_ITEMS })),
  /** As server.start takes them, with the behaviour each had. */
  servers: optional(arr(serverStartArgs, { max: MAX_ITEMS })),
  /** As client.connect takes them. */
  clients: optional(arr(clientConnectArgs, { max: MAX_ITEMS }))
}

export interface Setup {
  kind: typeof SETUP_KIND
  version: typeof SETUP_VERSION
  name?: string
  proxies: SetupProxy[]
  servers: Infer<typeof serverStartArgs>[]
  clients: Infer<typeof clientConnectArgs>[]
}

/**
 * `schema`, then its addresses and framing read as the engine will read them when it starts
 * the part, so a mistake there is named by its path before anything starts, as any other is.
 */
function startChecked<T extends { listen?: string; target?: string; frame?: string }>(schema: Schema<T>): Schema<T> {
  return {
    parse: (value, path) => {
      const parsed = schema.parse(value, path)
      const field = (name: 'listen' | 'target' | 'frame', check: (text: string) => unknown): void => {
        const text = parsed[name]
        if (text === undefined) return
        try {
          check(text)
        } catch (err) {
          if (!(err instanceof EndpointError || err instanceof FrameSpecError)) throw err
          // The framing's error quotes its flag (`--frame X: ...`); a file has a field instead.
          throw new ValidationError(`${path}.${name}: ${err.message.replace(`--frame ${text}: `, `"${text}": `)}`)
        }
      }
      field('listen', (text) => parseEndpoint(text, '127.0.0.1'))
      field('target', parseConnectEndpoint)
      field('frame', parseFrameSpec)
      return parsed
    }
  }
}
const setupProxyStart = startChecked(proxyStartArgs)
const setupServer = startChecked(serverStartArgs)
const setupClient = startChecked(clientConnectArgs)

/** One line per field that is wrong, each naming the field's path (`proxies[1].start.listen: ...`). */
export class SetupError extends ValidationError {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems: ${problems.join('; ')}`)
  }
}

/** Runs `parse`, turning its ValidationError into a problem line; other errors are bugs and pass. */
function collect<T>(problems: string[], parse: () => T): T | undefined {
  try {
    return parse()
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err
    problems.push(err.message)
    return undefined
  }
}

/** Checks each list item on its own, so one bad item does not hide the next one's problem. */
function parseItems<T>(problems: string[], value: unknown, path: string, item: Schema<T>): T[] {
  if (value === undefined) return []
  const list = collect(problems, () => arr({ parse: (v) => v }, { max: MAX_ITEMS }).parse(value, path))
  if (list === undefined) return []
  const out: T[] = []
  list.forEach((v, i) => {
    const parsed = collect(problems, () => item.parse(v, `${path}[${i}]`))
    if (parsed !== undefined) out.push(parsed)
  })
  return out
}

/** The fields of `o` that are not undefined. */
const definedOf = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>

/**
 * A current-version document checked field by field: every problem found (at most one per
 * field), or the setup. Unknown fields are problems too, so a misspelt key is not ignored.
 */
export function parseSetupBody(doc: Record<string, unknown>): Setup {
  const problems: string[] = []
  const { kind: _kind, version: _version, proxies, servers, clients, ...rest } = doc
  const head = collect(problems, () => obj({ name: setupBody.name }).parse(rest, ''))
  const proxyList: SetupProxy[] = []
  parseItems(problems, proxies, 'proxies', { parse: (v) => v }).forEach((raw, i) => {
    const at = `proxies[${i}]`
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return void problems.push(`${at}: expected an object`)
    const { start, toxics, breakpoints, rules, rulesFile, script, ...extra } = raw as Record<string, unknown>
    for (const key of Object.keys(extra)) problems.push(`${at}.${key}: unknown field`)
    const parsedStart = collect(problems, () => setupProxyStart.parse(start, `${at}.start`))
    const parsedToxics = parseItems(problems, toxics, `${at}.toxics`, toxicSpec)
    const parsedBreaks = parseItems(problems, breakpoints, `${at}.breakpoints`, breakRuleSpec)
    const traffic = collect(problems, () => obj({ rules: optional(trafficRules), rulesFile: rulesFileSchema, script: scriptSchema }).parse({ rules, rulesFile, script }, at))
    if (parsedStart !== undefined) proxyList.push({ start: parsedStart, toxics: parsedToxics, breakpoints: parsedBreaks, ...definedOf(traffic ?? {}) })
  })
  const serverList = parseItems(problems, servers, 'servers', setupServer)
  const clientList = parseItems(problems, clients, 'clients', setupClient)
  if (problems.length > 0) throw new SetupError(problems)
  return { kind: SETUP_KIND, version: SETUP_VERSION, ...(head?.name ? { name: head.name } : {}), proxies: proxyList, servers: serverList, clients: clientList }
}

/** How many things a setup starts, for a line such as "Start the 3 proxies from last time?". */
export interface SetupCounts {
  proxies: number
  servers: number
  clients: number
}
export const countSetup = (s: Setup): SetupCounts => ({ proxies: s.proxies.length, servers: s.servers.length, clients: s.clients.length })
export const setupIsEmpty = (s: Setup): boolean => s.proxies.length + s.servers.length + s.clients.length === 0

/** A saved setup in the list. */
export interface SetupEntry extends SetupCounts {
  name: string
  /** Epoch ms of its last save. */
  savedAt: number
}

/** The setup kept as it was when the app last ran something, to offer again at the next start. */
export interface LastSetup extends SetupCounts {
  setup: Setup
  savedAt: number
}

/** A part of a setup, as a front end words it: its kind and addresses, and the rule of a proxy's if it is one. */
export interface SetupPart {
  kind: 'proxy' | 'server' | 'client'
  /** `LISTEN → TARGET` (a forward proxy: `→ forward`), a server's `LISTEN`, a client's `→ TARGET`. */
  where: string
  rule?: { kind: 'toxic' | 'breakpoint' | 'rules' | 'script'; name: string }
}

/** A part that did not start: `what` names it in English (the CLI's line), `part` for a front end's words. */
export interface SetupFailure {
  what: string
  part: SetupPart
  message: string
}

/** What starting a setup did: the ids started, and one line per part that did not start. */
export interface SetupOutcome {
  proxies: string[]
  servers: string[]
  clients: string[]
  failures: SetupFailure[]
}

/** A part's English name, as `what` says it: `proxy 127.0.0.1:6380 → 127.0.0.1:6379: toxic slow`. */
export const partText = ({ kind, where, rule }: SetupPart): string => `${kind} ${where}${rule ? `: ${rule.kind} ${rule.name}` : ''}`

/**
 * A setup's name: what a person types in "Save as", kept to characters every file system
 * takes in a file name once encoded (setup-store.ts), and not a hidden file's.
 */
export const setupName = str({ nonEmpty: true, max: 64 })
export const SETUP_NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._()-]*$/u
export function checkSetupName(name: string): string {
  const trimmed = name.trim()
  if (!SETUP_NAME_PATTERN.test(trimmed)) {
    throw new ValidationError(`setup name "${name}": use letters, digits, spaces and . _ ( ) -, starting with a letter or digit`)
  }
  return trimmed
}

export const setupRef = obj({ name: setupName })
export const setupSaveArgs = obj({ name: setupName, overwrite: optional(bool()) })
export const setupDuplicateArgs = obj({ name: setupName, as: setupName })
/**
 * A setup document as a front end read it (a file's JSON): only its being an object is
 * checked here; the engine migrates it and checks it field by field (parseSetup), so every
 * wrong field is named. Typed as a Setup so the contract sees the payloads it may carry
 * (a server's reply read from a file) and a front end's file policy applies to it.
 */
export const setupDocument: Schema<Setup> = {
  parse: (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValidationError(`${path || 'setup'}: expected a setup (a JSON object), got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`)
    return v as Setup
  }
}
export const setupImportArgs = obj({ name: setupName, setup: setupDocument, overwrite: optional(bool()) })
export const setupApplyArgs = obj({ setup: setupDocument })
