// The proxy, server and client forms as plain values: their defaults, the check that
// turns what was typed into the command's arguments (every problem named by field), and
// the routes that put the engine's errors next to the field they concern.

import type { ProxyStartArgs } from '../../../../../shared/contract'
import { MAX_PROXY_WORKERS } from '../../../../../shared/proxy-args'
import { MAX_CONNECT_TIMEOUT_MS, MAX_TIMER_MS } from '../../../../../shared/limits'
import type { ClientConnectArgs, ServerStartArgs } from '../../../../../shared/session-types'
import { behaviourDraft, behaviourFromDraft, behaviourPayloads, intervalDraft, intervalFromDraft, type BehaviourDraft, type IntervalDraft } from './behaviour-draft'
import { escapePath, sameNames, type FieldRoute } from '../../../ui/form/engine-error-fields'
import { checked, endpointText, optionalWhole, type Checked, type FieldProblems } from '../../../ui/form/field-problems'
import {
  forwardDraft,
  forwardFromDraft,
  tlsConnectDraft,
  tlsConnectFromDraft,
  tlsListenDraft,
  tlsListenFromDraft,
  tlsRoutes,
  type ForwardDraft,
  type TlsConnectDraft,
  type TlsListenDraft
} from './tls-draft'

/** A server's behaviour, under `prefix` in the arguments (`behaviour.` for server.start and server.behaviour). */
function behaviourRoutes(prefix: string): FieldRoute[] {
  const p = escapePath(prefix)
  return [
    [new RegExp(`^${p}rules\\[(\\d+)\\]`), (m) => `rule.${m[1]}`],
    [new RegExp(`^${p}http\\.(status|headers|body)`), (m) => `http.${m[1]}`],
    ...intervalRoutes(prefix)
  ]
}

/** An interval send, under `prefix`: its payload is the field `interval.data`. */
function intervalRoutes(prefix: string): FieldRoute[] {
  const p = escapePath(prefix)
  return [
    [new RegExp(`^${p}interval\\.(everyMs|count)`), (m) => `interval.${m[1]}`],
    [new RegExp(`^${p}interval\\.payload`), 'interval.data']
  ]
}

export interface ProxyDraft {
  /** `target`: every connection goes to one target; `forward`: each client names its own. */
  mode: 'target' | 'forward'
  listen: string
  target: string
  connectTimeoutMs: string
  noDelay: boolean
  /** Forwarding threads: empty for one, `auto`, or a count. */
  workers: string
  tlsListen: TlsListenDraft
  tlsUpstream: TlsConnectDraft
  forward: ForwardDraft
}

export const proxyDraft = (): ProxyDraft => ({
  mode: 'target',
  listen: '127.0.0.1:0',
  target: '',
  connectTimeoutMs: '',
  noDelay: true,
  workers: '',
  tlsListen: tlsListenDraft(),
  tlsUpstream: tlsConnectDraft(),
  forward: forwardDraft()
})

export function proxyArgs(d: ProxyDraft): Checked<ProxyStartArgs> {
  const problems: FieldProblems = {}
  const listen = endpointText(d.listen, 'listen', true, problems)
  const forwarding = d.mode === 'forward'
  const target = forwarding ? undefined : endpointText(d.target, 'target', false, problems)
  const connectTimeoutMs = optionalWhole(d.connectTimeoutMs, 'connectTimeoutMs', 1, MAX_CONNECT_TIMEOUT_MS, problems)
  const forward = forwarding ? forwardFromDraft(d.forward, problems) : undefined
  const workers = d.workers.trim().toLowerCase() === 'auto' ? 'auto' : optionalWhole(d.workers, 'workers', 1, MAX_PROXY_WORKERS, problems)
  // A forward proxy terminates TLS in tunnels with the CA itself; of the upstream's TLS only
  // how to verify is its own to choose.
  const tlsListen = forwarding ? undefined : tlsListenFromDraft(d.tlsListen, 'tlsListen', problems)
  const tlsUpstream = tlsConnectFromDraft(d.tlsUpstream, 'tlsUpstream', problems, forwarding ? 'verify' : undefined)
  return checked(
    {
      listen,
      ...(target !== undefined ? { target } : {}),
      ...(forward ? { forward } : {}),
      ...(tlsListen ? { tlsListen } : {}),
      ...(tlsUpstream ? { tlsUpstream } : {}),
      ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
      ...(workers !== undefined ? { workers } : {}),
      // The engine's default is on; only a change is sent.
      ...(d.noDelay ? {} : { noDelay: false })
    },
    problems
  )
}

export const PROXY_ROUTES: readonly FieldRoute[] = [
  ...sameNames('listen', 'target', 'connectTimeoutMs', 'workers'),
  ...tlsRoutes('tlsListen', 'name'),
  ...tlsRoutes('tlsUpstream', 'ca'),
  ...tlsRoutes('forward', 'proxyAuth')
]

export interface ServerDraft {
  listen: string
  maxConnections: string
  idleTimeoutMs: string
  backlog: string
  pauseOnConnect: boolean
  allowHalfOpen: boolean
  behaviour: BehaviourDraft
  tls: TlsListenDraft
}

export const serverDraft = (): ServerDraft => ({
  listen: '127.0.0.1:0',
  maxConnections: '',
  idleTimeoutMs: '',
  backlog: '',
  pauseOnConnect: false,
  allowHalfOpen: false,
  behaviour: behaviourDraft(),
  tls: tlsListenDraft()
})

export function serverArgs(d: ServerDraft): Checked<ServerStartArgs> {
  const problems: FieldProblems = {}
  const listen = endpointText(d.listen, 'listen', true, problems)
  const maxConnections = optionalWhole(d.maxConnections, 'maxConnections', 1, 1_000_000, problems)
  const idleTimeoutMs = optionalWhole(d.idleTimeoutMs, 'idleTimeoutMs', 1, MAX_TIMER_MS, problems)
  const backlog = optionalWhole(d.backlog, 'backlog', 1, 65535, problems)
  const behaviour = behaviourFromDraft(d.behaviour, problems)
  const tls = tlsListenFromDraft(d.tls, 'tls', problems, true)
  return checked(
    {
      listen,
      ...(maxConnections !== undefined ? { maxConnections } : {}),
      ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
      ...(backlog !== undefined ? { backlog } : {}),
      ...(d.pauseOnConnect ? { pauseOnConnect: true } : {}),
      ...(d.allowHalfOpen ? { allowHalfOpen: true } : {}),
      behaviour,
      ...(tls ? { tls } : {})
    },
    problems
  )
}

export const SERVER_ROUTES: readonly FieldRoute[] = [...sameNames('listen', 'maxConnections', 'idleTimeoutMs', 'backlog'), ...behaviourRoutes('behaviour.'), ...tlsRoutes('tls', 'name')]

export const BEHAVIOUR_ROUTES: readonly FieldRoute[] = behaviourRoutes('behaviour.')

export { behaviourPayloads }

export interface ClientDraft {
  target: string
  connectTimeoutMs: string
  localAddress: string
  localPort: string
  family: '' | '4' | '6'
  keepAlive: boolean
  keepAliveInitialDelayMs: string
  noDelay: boolean
  idleTimeoutMs: string
  interval: IntervalDraft
  tls: TlsConnectDraft
}

export const clientDraft = (): ClientDraft => ({
  target: '',
  connectTimeoutMs: '',
  localAddress: '',
  localPort: '',
  family: '',
  keepAlive: false,
  keepAliveInitialDelayMs: '',
  noDelay: true,
  idleTimeoutMs: '',
  interval: intervalDraft(),
  tls: tlsConnectDraft()
})

export function clientArgs(d: ClientDraft): Checked<ClientConnectArgs> {
  const problems: FieldProblems = {}
  const target = endpointText(d.target, 'target', false, problems)
  const connectTimeoutMs = optionalWhole(d.connectTimeoutMs, 'connectTimeoutMs', 1, MAX_CONNECT_TIMEOUT_MS, problems)
  const localAddress = d.localAddress.trim()
  const localPort = optionalWhole(d.localPort, 'localPort', 0, 65535, problems)
  const keepAliveInitialDelayMs = d.keepAlive ? optionalWhole(d.keepAliveInitialDelayMs, 'keepAliveInitialDelayMs', 0, MAX_TIMER_MS, problems) : undefined
  const idleTimeoutMs = optionalWhole(d.idleTimeoutMs, 'idleTimeoutMs', 1, MAX_TIMER_MS, problems)
  const interval = intervalFromDraft(d.interval, problems)
  const tls = tlsConnectFromDraft(d.tls, 'tls', problems)
  return checked(
    {
      target,
      ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
      ...(localAddress !== '' ? { localAddress } : {}),
      ...(localPort !== undefined ? { localPort } : {}),
      ...(d.family !== '' ? { family: d.family } : {}),
      ...(d.keepAlive ? { keepAlive: true } : {}),
      ...(keepAliveInitialDelayMs !== undefined ? { keepAliveInitialDelayMs } : {}),
      ...(d.noDelay ? {} : { noDelay: false }),
      ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
      ...(interval ? { interval } : {}),
      ...(tls ? { tls } : {})
    },
    problems
  )
}

export const CLIENT_ROUTES: readonly FieldRoute[] = [
  ...sameNames('target', 'connectTimeoutMs', 'localAddress', 'localPort', 'family', 'keepAliveInitialDelayMs', 'idleTimeoutMs'),
  ...intervalRoutes(''),
  ...tlsRoutes('tls', 'ca')
]
