// The engine as the views see it: whether it is there, its proxies, sessions and open
// captures, and what went wrong, set by the snapshot and kept current by batches, each
// applied once per animation frame however many arrived. Connections are not here: the
// list is paged from the engine (features/connections/connections-store.ts), and bytes are read when shown.

import { defineStore } from 'pinia'
import { computed, ref, shallowReactive, shallowRef } from 'vue'
import type { CaptureInfo } from '../../../shared/capture-types'
import type { CommandName, CommandResult } from '../../../shared/contract'
import { EngineError } from '../../../shared/errors'
import type { Batch, FrontEvent, OperationProgress, ProxyInfo } from '../../../shared/events'
import type { SessionInfo } from '../../../shared/session-types'
import type { CommandOutputChunk, InterceptedBrowser, InterceptedCommand } from '../../../shared/intercept-types'
import { OutputTail } from '../../../shared/output-tail'
import type { BreakRule, HeldMessage } from '../../../shared/break-types'
import type { Toxic } from '../../../shared/fault-types'
import type { RulesState } from '../../../shared/rules/rule-args'
import type { CallParams } from '../../../shared/transport'
import type { Transport } from './transport'

const MAX_WARNINGS = 20

/** Runs `fn` on the next animation frame (or soon, where there are no frames: tests). */
const nextFrame = (fn: () => void): void => {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(fn)
  else setTimeout(fn, 16)
}

/**
 * A page in a background tab gets no animation frames (and its timers are slowed to one a
 * minute): batches waiting for a frame would pile up for as long as it stays there.
 */
const pageHidden = (): boolean => typeof document !== 'undefined' && document.visibilityState === 'hidden'

export const useEngineStore = defineStore('engine', () => {
  // Shallow: infos are replaced whole on change, never mutated.
  const proxies = shallowReactive(new Map<string, ProxyInfo>())
  const sessions = shallowReactive(new Map<string, SessionInfo>())
  /** Browsers started intercepted that are running; one that closes leaves. */
  const browsers = shallowReactive(new Map<string, InterceptedBrowser>())
  /** Commands started by intercept.command, running or exited, until removed. */
  const commands = shallowReactive(new Map<string, InterceptedCommand>())
  /**
   * What each command wrote, the last OUTPUT_TAIL_BYTES of each stream (the rest counted).
   * Not reactive itself (tails grow in place): `outputChanged` moves whenever one grew.
   */
  const commandOutput = new Map<string, Record<CommandOutputChunk['stream'], OutputTail>>()
  const outputChanged = ref(0)
  const captures = shallowRef<CaptureInfo[]>([])
  /** What breakpoints hold now, oldest first; each proxy's breakpoints and toxics (replaced whole). */
  const held = shallowRef<HeldMessage[]>([])
  const breaks = shallowReactive(new Map<string, BreakRule[]>())
  const toxics = shallowReactive(new Map<string, Toxic[]>())
  /** Each proxy's traffic rules, as a batch or a rules.* answer left them (the snapshot has none: features/rules reads them). */
  const rules = shallowReactive(new Map<string, RulesState>())
  const captureErrors = ref<string[]>([])
  const warnings = ref<string[]>([])
  const transport = shallowRef<Transport>()
  const connected = ref(false)
  const closedReason = ref<string>()
  /** Web mode opened without its token (not the URL tcpscope printed): nothing to connect with. */
  const missingToken = ref(false)
  /** Counts applied batches that touched live connections; lists refetch when it moves. */
  const liveChanges = ref(0)
  /** Connection ids that changed in the latest batches (for views showing one of them). */
  const changedConns = shallowRef<ReadonlySet<number>>(new Set())
  /** The batches applied last (lists patch the rows they hold from them). */
  const applied = shallowRef<readonly Batch[]>([])
  /** How far each long command named by its `progress` argument got; its caller forgets it when done. */
  const progress = shallowReactive(new Map<string, OperationProgress>())

  const proxyList = computed(() => [...proxies.values()])
  const sessionList = computed(() => [...sessions.values()])
  const browserList = computed(() => [...browsers.values()])
  const setBrowser = (b: InterceptedBrowser): void => {
    if (b.state === 'closed') browsers.delete(b.browserId)
    else browsers.set(b.browserId, b)
  }
  const commandList = computed(() => [...commands.values()])
  const setCommand = (c: InterceptedCommand): void => {
    if (c.state !== 'removed') commands.set(c.commandId, c)
    else {
      commands.delete(c.commandId)
      commandOutput.delete(c.commandId)
    }
  }
  const addOutput = (chunks: readonly CommandOutputChunk[]): void => {
    for (const c of chunks) {
      // A command removed (in this batch or before) keeps no tail.
      if (!commands.has(c.commandId)) continue
      let tails = commandOutput.get(c.commandId)
      if (tails === undefined) commandOutput.set(c.commandId, (tails = { stdout: new OutputTail(), stderr: new OutputTail() }))
      tails[c.stream].append(c.text, c.dropped)
    }
    if (chunks.length) outputChanged.value++
  }
  const liveCapture = computed(() => captures.value.find((c) => c.id === 'live'))

  let queued: Batch[] = []

  function applySnapshot(event: Extract<FrontEvent, { type: 'snapshot' }>): void {
    proxies.clear()
    for (const p of event.proxies) proxies.set(p.id, p)
    sessions.clear()
    for (const s of event.sessions) sessions.set(s.id, s)
    browsers.clear()
    for (const b of event.browsers ?? []) setBrowser(b)
    commands.clear()
    commandOutput.clear()
    for (const c of event.commands ?? []) setCommand(c)
    addOutput(event.output ?? [])
    outputChanged.value++
    captures.value = event.captures
    held.value = event.held ?? []
    breaks.clear()
    for (const [id, list] of Object.entries(event.breaks ?? {})) breaks.set(id, list)
    toxics.clear()
    for (const [id, list] of Object.entries(event.toxics ?? {})) toxics.set(id, list)
    // Read again for the proxies the snapshot names (features/rules): a reconnected page may have missed changes.
    rules.clear()
    captureErrors.value = event.captures.flatMap((c) => (c.error ? [c.error] : []))
    applied.value = []
    liveChanges.value++
  }

  function applyBatches(batches: Batch[]): void {
    let touched = false
    const changed = new Set<number>()
    for (const b of batches) {
      if (b.captures) captures.value = b.captures
      for (const p of b.proxies ?? []) {
        if (p.state !== 'removed') proxies.set(p.id, p)
        else {
          proxies.delete(p.id)
          breaks.delete(p.id)
          toxics.delete(p.id)
          rules.delete(p.id)
        }
      }
      for (const s of b.sessions ?? []) sessions.set(s.id, s)
      for (const br of b.browsers ?? []) setBrowser(br)
      for (const c of b.commands ?? []) setCommand(c)
      addOutput(b.output ?? [])
      if (b.held) held.value = b.held
      for (const [id, list] of Object.entries(b.breaks ?? {})) breaks.set(id, list)
      for (const [id, list] of Object.entries(b.toxics ?? {})) toxics.set(id, list)
      for (const [id, state] of Object.entries(b.rules ?? {})) rules.set(id, state)
      if (b.warnings) warnings.value = [...warnings.value, ...b.warnings].slice(-MAX_WARNINGS)
      if (b.captureErrors) captureErrors.value = [...captureErrors.value, ...b.captureErrors].slice(-MAX_WARNINGS)
      for (const c of b.conns ?? []) changed.add(c.id)
      for (const d of b.data ?? []) changed.add(d.connId)
      for (const p of b.progress ?? []) progress.set(p.operation, p)
      // A report that came after its caller finished is never read: keep only the newest few.
      while (progress.size > MAX_WARNINGS) progress.delete(progress.keys().next().value!)
      if (b.conns || b.data || b.events || b.resync) touched = true
    }
    applied.value = batches
    if (touched) liveChanges.value++
    if (changed.size) changedConns.value = changed
  }

  /** Applies an event; batches wait for the next animation frame and are applied together. */
  function applyEvent(event: FrontEvent): void {
    if (event.type === 'snapshot') {
      queued = []
      applySnapshot(event)
      return
    }
    queued.push(event)
    // Hidden, nothing is drawn: each batch is applied as it comes, and kept no longer.
    if (pageHidden()) applyQueued()
    else if (queued.length === 1) nextFrame(applyQueued)
  }

  function applyQueued(): void {
    if (queued.length === 0) return
    const batches = queued
    queued = []
    applyBatches(batches)
  }
  // Batches that were waiting for a frame when the page was hidden.
  if (typeof document !== 'undefined') document.addEventListener('visibilitychange', () => pageHidden() && applyQueued())

  /**
   * Runs a command on the engine: how views and composables reach it, so that only the
   * stores know the transport (and a page not yet connected gets an error, not a crash).
   */
  function call<K extends CommandName>(cmd: K, ...params: CallParams<K>): Promise<CommandResult<K>> {
    const t = transport.value
    if (!t) return Promise.reject(new EngineError('ESTATE', 'not connected to the engine yet'))
    return t.call(cmd, ...params)
  }

  function forgetProgress(operation: string): void {
    progress.delete(operation)
  }

  /** Starts following the engine behind `t`; returns the stop function. */
  function attach(t: Transport): () => void {
    transport.value = t
    connected.value = true
    const offEvent = t.onEvent(applyEvent)
    const offClose = t.onClose((reason) => {
      connected.value = false
      closedReason.value = reason
    })
    return () => {
      offEvent()
      offClose()
      connected.value = false
    }
  }

  return {
    proxies,
    sessions,
    captures,
    held,
    breaks,
    toxics,
    rules,
    captureErrors,
    warnings,
    transport,
    connected,
    closedReason,
    missingToken,
    liveChanges,
    changedConns,
    applied,
    progress,
    proxyList,
    sessionList,
    browserList,
    setBrowser,
    commands,
    commandList,
    commandOutput,
    outputChanged,
    setCommand,
    liveCapture,
    applyEvent,
    applyBatches,
    call,
    forgetProgress,
    attach
  }
})
