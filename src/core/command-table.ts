// How a domain of the engine (captures, sessions, replay, ...) hands its commands over: a
// table from command name to handler, typed by the contract; and the merge of every
// domain's table into the engine's, which refuses a command with no handler or with two.

import { commandNames, type CallContext, type CommandArgs, type CommandName, type CommandResult, type EngineApi } from '../shared/contract'

/** Runs one command; the arguments were checked against the contract by the front end's side. */
export type CommandHandler<K extends CommandName> = (args: CommandArgs<K>, ctx?: CallContext) => Promise<CommandResult<K>>

/** A domain's part of the command table: one handler for each of its commands. */
export type CommandTable<K extends CommandName> = { [P in K]: CommandHandler<P> }

/** Each domain's table, by the domain's name (the name is for the merge's errors). */
export type DomainTables = Record<string, Partial<{ [P in CommandName]: CommandHandler<P> }>>

/**
 * The domains' tables as one: every command of the contract has exactly one handler, and
 * no domain registers a command the contract does not have. Any other table is a bug in
 * how the engine is put together, so this throws at once, naming the commands.
 */
export function mergeCommandTables(domains: DomainTables): EngineApi {
  const merged: Record<string, unknown> = {}
  const owner = new Map<string, string>()
  const problems: string[] = []
  const known = new Set<string>(commandNames)
  for (const [domain, table] of Object.entries(domains)) {
    for (const [name, handler] of Object.entries(table)) {
      if (!known.has(name)) problems.push(`${domain} registers "${name}", which the contract does not have`)
      const first = owner.get(name)
      if (first !== undefined) problems.push(`"${name}" has two handlers, in ${first} and in ${domain}`)
      owner.set(name, domain)
      merged[name] = handler
    }
  }
  const missing = commandNames.filter((name) => !owner.has(name))
  if (missing.length > 0) problems.push(`no domain handles ${missing.map((n) => `"${n}"`).join(', ')}`)
  if (problems.length > 0) throw new Error(`the engine's command table is wrong: ${problems.join('; ')}`)
  return merged as EngineApi
}
