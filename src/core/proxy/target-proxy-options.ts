// What a target proxy listens and connects with, made from proxy.start's arguments: the
// addresses parsed, TLS loaded (proxy-tls-options.ts). One place, for the main thread's
// proxy and for each forwarding worker's (workers/), so they cannot drift.

import type { Endpoint } from '../../shared/endpoint'
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../shared/limits'
import type { ProxyStartArgs } from '../../shared/proxy-args'
import { UserError } from '../net/net-errors'
import { parseTargetEndpoint, parseUserEndpoint } from '../net/user-endpoint'
import type { CaSource } from '../tls/ca-commands'
import { proxyTlsOptions } from './proxy-tls-options'

/** A forward proxy is given no target: each client names its destination. */
export function checkProxyMode(args: Pick<ProxyStartArgs, 'forward' | 'target'>): void {
  if (args.forward !== undefined && args.target !== undefined) throw new UserError('proxy: a forward proxy has no target (each client names its destination): drop --target, or --forward', 'EUSAGE')
}

/** Where and how a proxy listens, whatever it forwards to. */
export function listenOptions(args: ProxyStartArgs): { listen: Endpoint; connectTimeoutMs: number; noDelay: boolean } {
  const listen = parseUserEndpoint(args.listen, '--listen', '127.0.0.1')
  return { listen, connectTimeoutMs: args.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, noDelay: args.noDelay ?? true }
}

/** A target proxy's options (not a forward proxy's); throws a one-line UserError for a bad one. */
export async function targetProxyOptions(args: ProxyStartArgs, ca: CaSource | undefined) {
  if (args.target === undefined) throw new UserError('proxy: a target is needed (--target HOST:PORT), or make it a forward proxy (--forward)', 'EUSAGE')
  const target = parseTargetEndpoint(args.target, '--target')
  return { ...listenOptions(args), target, ...(await proxyTlsOptions(target, args.tlsListen, args.tlsUpstream, ca)), ...(args.frame ? { frame: args.frame } : {}) }
}
