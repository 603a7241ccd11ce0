// The rules.* commands: a proxy's traffic rules listed, set whole, loaded from a file
// (watched, reloaded on save), and turned on and off one at a time.

import type { CommandTable } from '../command-table'
import { TrafficRules } from './traffic-rules'
import { UserError } from '../net/net-errors'
import type { Captures } from '../capture/open-captures'
import type { Decoding } from '../decode/decoding'
import { ruleFrom } from './rule-from'
import type { Messages } from '../decode/messages/messages'

export type RulesCommand = 'rules.list' | 'rules.set' | 'rules.load' | 'rules.enable' | 'rules.check' | 'script.load' | 'script.reload' | 'script.unload' | 'rules.from'

/** `rulesOf(proxyId)` throws a one-line UserError for a proxy that does not exist. */
export function ruleCommands(rulesOf: (proxyId: string) => TrafficRules, recorded: { captures: Pick<Captures, 'get'>; decoding: Decoding; messages: Messages }): CommandTable<RulesCommand> {
  return {
    'rules.from': async ({ capture, connId, exchange, message, as }) => {
      if (exchange !== undefined && message !== undefined) throw new UserError('rules.from makes a rule from an exchange or from a message: give one of them', 'EINVAL')
      const source = message !== undefined ? { connId, message, as } : { connId, exchange: exchange ?? 0, as }
      return ruleFrom(recorded.captures.get(capture), recorded, source)
    },
    'rules.list': async ({ proxyId }) => rulesOf(proxyId).state(),
    'rules.set': async ({ proxyId, rules }) => {
      const traffic = rulesOf(proxyId)
      traffic.replace(rules)
      return traffic.state()
    },
    'rules.load': async ({ proxyId, path, watch }) => {
      const traffic = rulesOf(proxyId)
      await traffic.load(path, watch ?? true)
      return traffic.state()
    },
    'script.load': async ({ proxyId, path }) => {
      const traffic = rulesOf(proxyId)
      await traffic.loadScript(path)
      return traffic.state()
    },
    'script.reload': async ({ proxyId }) => {
      const traffic = rulesOf(proxyId)
      await traffic.reloadScript()
      return traffic.state()
    },
    'script.unload': async ({ proxyId }) => {
      const traffic = rulesOf(proxyId)
      await traffic.unloadScript()
      return traffic.state()
    },
    'rules.check': async ({ path }) => {
      // The whole file is compared, however many rules: nothing flows through it meanwhile.
      const rules = new TrafficRules({ shadowBudget: Infinity })
      await rules.load(path, false)
      return rules.state()
    },
    'rules.enable': async ({ proxyId, id, enabled }) => {
      const traffic = rulesOf(proxyId)
      if (!traffic.set.setEnabled(id, enabled)) {
        const ids = traffic.set.list().map((r) => r.id)
        throw new UserError(`proxy ${proxyId} has no rule "${id}"${ids.length > 0 ? ` (it has ${ids.join(', ')})` : ' (it has none)'}`, 'ENOENT')
      }
      return traffic.state()
    }
  }
}
