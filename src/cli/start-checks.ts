// What a command's flags say that the engine would refuse only once it runs (an address with
// a bad port, a framing it does not know, a breakpoint's regex, a toxic's match words, a
// pass-through host, a list's filter): checked before the engine starts, so the mistake is a
// usage error (exit 2, as docs/cli.md says) and no capture file is left behind. The checks are
// the engine's own, so the two cannot disagree.

import type { BreakRuleSpec } from '../shared/break-types'
import { UserError } from '../shared/errors'
import type { ToxicSpec } from '../shared/fault-types'
import { compileMatch } from '../core/breakpoint/break-match'
import { checkConnectionFilter, checkExchangeFilter } from '../core/decode/filter-check'
import { framingOf } from '../core/decode/messages/framing-rules'
import { checkToxicSpec } from '../core/fault/toxic-registry'
import { checkProxyMode } from '../core/proxy/target-proxy-options'
import { passThroughHosts } from '../core/proxy/forward/forward-options'
import { parseTargetEndpoint, parseUserEndpoint } from '../core/net/user-endpoint'
import { UsageError } from './args'

/** Runs an engine check; its one-line refusal becomes a usage error that starts with `prefix`. */
export function usageChecked<T>(prefix: string, check: () => T): T {
  try {
    return check()
  } catch (err) {
    if (err instanceof UserError) throw new UsageError(err.message.startsWith(`${prefix}:`) ? err.message : `${prefix}: ${err.message}`)
    throw err
  }
}

export interface StartFlags {
  /** proxy --forward: then there is no --target. */
  forward?: boolean
  /** [HOST:]PORT or a socket path to listen on. */
  listen?: string
  /** HOST:PORT or a socket path to connect to, and the flag (or word) it came as. */
  target?: { text: string; flag: string }
  frame?: string
}

/** The addresses and framing a command starts with, as the engine reads them. */
export function checkStartFlags(command: string, flags: StartFlags): void {
  usageChecked(command, () => {
    if (flags.forward === true) checkProxyMode({ forward: {}, target: flags.target?.text })
    if (flags.listen !== undefined) parseUserEndpoint(flags.listen, '--listen', '127.0.0.1')
    if (flags.target !== undefined) parseTargetEndpoint(flags.target.text, flags.target.flag)
    if (flags.frame !== undefined) framingOf(flags.frame)
  })
}

/** A breakpoint read from --break, compiled as break.add compiles it (its regex, its filter words). */
export function checkBreakFlag(prefix: string, spec: BreakRuleSpec): BreakRuleSpec {
  usageChecked(prefix, () => compileMatch(spec))
  return spec
}

/** A toxic read from --toxic, checked as toxic.add checks it (its attributes, its match words). */
export function checkToxicFlag(prefix: string, spec: ToxicSpec): ToxicSpec {
  usageChecked(prefix, () => checkToxicSpec(spec))
  return spec
}

/** A forward proxy's --pass-through hosts, checked and made ready as proxy.start does it. */
export function checkPassThroughFlag(prefix: string, hosts: readonly string[]): string[] {
  return usageChecked(prefix, () => passThroughHosts(hosts))
}

/**
 * A --filter, parsed as its list parses it (`show`'s the exchange list's, `replay --all`'s the
 * connection list's): a mistake is a usage error; the hints of words it read with a doubt
 * (`stauts:200`) are returned, for the command to say.
 */
export function checkFilterFlag(command: string, filter: string, list: 'exchanges' | 'connections'): string[] {
  return usageChecked(`${command}: --filter`, () => (list === 'exchanges' ? checkExchangeFilter(filter) : checkConnectionFilter(filter)))
}
