// The engine's command table is the domains' tables merged: every command of the contract
// has exactly one handler, and a table with a command missing, handled twice, or unknown to
// the contract is refused when the engine is put together, naming the command.
import { afterEach, describe, expect, it } from 'vitest'
import { mergeCommandTables, type DomainTables } from '../../src/core/command-table'
import { commandNames, type CommandName } from '../../src/shared/contract'
import { testEngine, type TestEngine } from '../helpers/engine'

/** A table with a stand-in handler for each of `names`. */
const tableOf = (names: readonly string[]): DomainTables[string] => Object.fromEntries(names.map((n) => [n, async () => n])) as DomainTables[string]

describe('the command table', () => {
  let te: TestEngine | undefined
  afterEach(async () => {
    await te?.dispose()
    te = undefined
  })

  it('the engine has one handler for every command of the contract', async () => {
    te = await testEngine()
    const engine = te.engine as unknown as Record<CommandName, unknown>
    const without = commandNames.filter((name) => typeof engine[name] !== 'function')
    expect(without).toEqual([])
    // And it answers through them: a read command of each kind.
    expect((await te.engine['capture.list']()).map((c) => c.id)).toEqual(['live'])
    expect(await te.engine['proxy.list']()).toEqual([])
    expect(await te.engine['session.list']()).toEqual([])
    expect(await te.engine['replay.servers']()).toEqual([])
  })

  it('merges tables that cover the contract once', async () => {
    const half = Math.floor(commandNames.length / 2)
    const api = mergeCommandTables({ first: tableOf(commandNames.slice(0, half)), second: tableOf(commandNames.slice(half)) })
    expect(Object.keys(api).sort()).toEqual([...commandNames].sort())
    expect(await api['conn.read']({ capture: 'live', connId: 1, dir: 'client', offset: 0, length: 1 })).toBe('conn.read')
  })

  it('refuses a command that no domain handles, naming it', () => {
    const all = tableOf(commandNames.filter((n) => n !== 'conn.read' && n !== 'replay.stop'))
    expect(() => mergeCommandTables({ all })).toThrow('no domain handles "conn.read", "replay.stop"')
  })

  it('refuses a command two domains handle, naming both', () => {
    const all = tableOf(commandNames)
    expect(() => mergeCommandTables({ captures: all, files: tableOf(['conn.read']) })).toThrow('"conn.read" has two handlers, in captures and in files')
  })

  it('refuses a command the contract does not have', () => {
    expect(() => mergeCommandTables({ captures: tableOf([...commandNames, 'conn.frobnicate']) })).toThrow('captures registers "conn.frobnicate", which the contract does not have')
  })
})
