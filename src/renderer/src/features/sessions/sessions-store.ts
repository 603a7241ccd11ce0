// Proxies and sessions as the UI drives them: starting and stopping them, a server's
// behaviour, a client's reconnect, and the commands on one live session connection. The
// infos themselves arrive with the engine's events (platform/engine-store.ts), with two gaps
// filled here: clients closed here, which the engine forgets without an event saying so,
// are hidden; and a proxy's counts, which the engine announces only when the proxy starts
// and stops, are asked for again (proxy.list) a moment after live connections change.

import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { CommandName, CommandResult, ProxyStartArgs } from '../../../../shared/contract'
import type { CallParams } from '../../../../shared/transport'
import { EngineError } from '../../../../shared/errors'
import type { PayloadSpec } from '../../../../shared/payload/payload-spec'
import type { ClientConnectArgs, ClientSessionInfo, ServerBehaviour, ServerSessionInfo, ServerStartArgs } from '../../../../shared/session-types'
import { useEngineStore } from '../../platform/engine-store'
import { useSelectionStore } from '../connections/selection-store'

/** How stale a proxy's counts may get while its connections come and go. */
export const PROXY_COUNTS_MS = 300

/** Commands on one live session connection that need nothing but its id. */
export type ConnCommand = 'conn.end' | 'conn.reset' | 'conn.destroy' | 'conn.resume'

export const useSessionsStore = defineStore('sessions', () => {
  const engine = useEngineStore()
  const forgotten = ref(new Set<string>())

  const servers = computed(() => engine.sessionList.filter((s): s is ServerSessionInfo => s.kind === 'server'))
  const clients = computed(() => engine.sessionList.filter((s): s is ClientSessionInfo => s.kind === 'client' && !forgotten.value.has(s.id)))
  const sessions = computed(() => [...servers.value, ...clients.value])

  function call<K extends CommandName>(cmd: K, ...params: CallParams<K>): Promise<CommandResult<K>> {
    const t = engine.transport
    if (!t) return Promise.reject(new EngineError('ESTATE', 'not connected to the engine'))
    return t.call(cmd, ...params)
  }

  // At most one proxy.list per PROXY_COUNTS_MS however busy the proxies are, and none
  // while no proxy listens.
  let countsTimer: ReturnType<typeof setTimeout> | undefined
  watch(
    () => engine.liveChanges,
    () => {
      if (countsTimer !== undefined || !engine.proxyList.some((p) => p.state === 'listening')) return
      countsTimer = setTimeout(() => {
        countsTimer = undefined
        call('proxy.list').then(
          (proxies) => engine.applyBatches([{ type: 'batch', proxies }]),
          () => undefined
        )
      }, PROXY_COUNTS_MS)
    }
  )

  const startProxy = (args: ProxyStartArgs) => call('proxy.start', args)
  const stopProxy = (proxyId: string, closeConnections = false) => call('proxy.stop', { proxyId, closeConnections })
  const restartProxy = (proxyId: string) => call('proxy.restart', { proxyId })
  const removeProxy = (proxyId: string) => call('proxy.remove', { proxyId })
  const startServer = (args: ServerStartArgs) => call('server.start', args)
  const stopServer = (serverId: string, closeClients = true) => call('server.stop', { serverId, closeClients })
  const restartServer = (serverId: string) => call('server.restart', { serverId })
  const setBehaviour = (serverId: string, behaviour: ServerBehaviour) => call('server.behaviour', { serverId, behaviour })
  const preview = (payload: PayloadSpec) => call('payload.preview', { payload })

  /** Connects a client session and selects its connection, ready for the composer. */
  async function connectClient(args: ClientConnectArgs): Promise<ClientSessionInfo> {
    const info = await call('client.connect', args)
    if (info.connId !== undefined) useSelectionStore().select(info.connId)
    return info
  }

  /** Connects again; the new connection becomes the selection. */
  async function reconnect(clientId: string): Promise<ClientSessionInfo> {
    const info = await call('client.reconnect', { clientId })
    if (info.connId !== undefined) useSelectionStore().select(info.connId)
    return info
  }

  async function closeClient(clientId: string): Promise<void> {
    await call('client.close', { clientId })
    forgotten.value = new Set(forgotten.value).add(clientId)
  }

  const connCommand = (cmd: ConnCommand, connId: number) => call(cmd, { connId })
  const send = (connId: number, payload: PayloadSpec) => call('conn.send', { connId, payload })
  const broadcast = (serverId: string, payload: PayloadSpec) => call('server.broadcast', { serverId, payload })
  const startInterval = (connId: number, everyMs: number, payload: PayloadSpec, count?: number) =>
    call('conn.interval', { connId, everyMs, payload, ...(count !== undefined ? { count } : {}) })
  const stopInterval = (connId: number) => call('conn.interval', { connId })
  /** The composer's interval send to every client of a server; its behaviour's interval is apart. */
  const startIntervalAll = (serverId: string, everyMs: number, payload: PayloadSpec, count?: number) =>
    call('server.interval', { serverId, everyMs, payload, ...(count !== undefined ? { count } : {}) })
  const stopIntervalAll = (serverId: string) => call('server.interval', { serverId })

  return {
    servers,
    clients,
    sessions,
    call,
    startProxy,
    stopProxy,
    restartProxy,
    removeProxy,
    startServer,
    stopServer,
    restartServer,
    setBehaviour,
    preview,
    connectClient,
    reconnect,
    closeClient,
    connCommand,
    send,
    broadcast,
    startInterval,
    stopInterval,
    startIntervalAll,
    stopIntervalAll
  }
})
