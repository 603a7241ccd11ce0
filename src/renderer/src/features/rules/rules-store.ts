// A proxy's traffic rules as the Rules panel edits them: read when a proxy is first seen (a
// page's snapshot has none), kept current by batches (engine store), and changed through
// the engine's rules.* commands. The engine takes a list whole (rules.set), so a move, an
// edit or a delete sends the list as the panel shows it, each rule's on/off kept. A rule made
// from the recording (the engine's rules.from) is left as a draft for the panel's editor.

import { defineStore } from 'pinia'
import { shallowRef, watch } from 'vue'
import type { RulesState } from '../../../../shared/rules/rule-args'
import type { RuleInfo, RuleSpec } from '../../../../shared/rules/rule-types'
import { useEngineStore } from '../../platform/engine-store'
import { useFaultsStore } from '../faults/faults-store'
import { ruleText } from './rule-text'

/** Where a rule is made from: an exchange (mocked, or its requests rewritten), or a raw client message (its reply mocked). */
export type RuleSource = { exchange: number; as?: 'mock' | 'rewrite' } | { message: number }

/** A rule made elsewhere, waiting for its proxy's editor: its JSON, and a note on where it came from. */
export interface RuleDraft {
  proxyId: string
  text: string
  /** i18n key and values of a line said above the editor. */
  note?: { key: string; values: Record<string, unknown> }
}

/** A rule's spec as it is now: switched off in the panel, it stays off when the list is sent again. */
export function currentSpec(r: RuleInfo): RuleSpec {
  const { enabled: _enabled, ...spec } = r.spec
  return r.enabled ? spec : { ...spec, enabled: false }
}

/** The list with rule `from` moved to `to` (both in range). */
export function moved<T>(list: readonly T[], from: number, to: number): T[] {
  const out = [...list]
  const [item] = out.splice(from, 1)
  out.splice(to, 0, item)
  return out
}

export const useRulesStore = defineStore('rules', () => {
  const engine = useEngineStore()
  const faults = useFaultsStore()
  const draft = shallowRef<RuleDraft>()
  const reading = new Set<string>()

  const stateOf = (proxyId: string): RulesState | undefined => engine.rules.get(proxyId)
  const rulesOf = (proxyId: string): RuleInfo[] => stateOf(proxyId)?.rules ?? []
  const took = (proxyId: string, state: RulesState): RulesState => {
    engine.rules.set(proxyId, state)
    return state
  }

  async function refresh(proxyId: string): Promise<void> {
    if (reading.has(proxyId)) return
    reading.add(proxyId)
    try {
      took(proxyId, await engine.call('rules.list', { proxyId }))
    } catch {
      // Gone before it answered: its removal reaches the list by a batch.
    } finally {
      reading.delete(proxyId)
    }
  }
  // Every proxy's rules, once: the sidebar counts them, and a proxy started with --rules has some.
  watch(
    () => engine.proxyList.map((p) => p.id),
    (ids) => {
      for (const id of ids) if (!engine.rules.has(id)) void refresh(id)
    },
    { immediate: true }
  )

  const replace = async (proxyId: string, specs: RuleSpec[]): Promise<RulesState> => took(proxyId, await engine.call('rules.set', { proxyId, rules: specs }))
  const specsOf = (proxyId: string): RuleSpec[] => rulesOf(proxyId).map(currentSpec)

  const enable = async (proxyId: string, id: string, enabled: boolean): Promise<RulesState> => took(proxyId, await engine.call('rules.enable', { proxyId, id, enabled }))

  async function move(proxyId: string, index: number, by: -1 | 1): Promise<void> {
    const specs = specsOf(proxyId)
    const to = index + by
    if (index < 0 || index >= specs.length || to < 0 || to >= specs.length) return
    await replace(proxyId, moved(specs, index, to))
  }

  async function remove(proxyId: string, index: number): Promise<void> {
    const specs = specsOf(proxyId)
    if (index < 0 || index >= specs.length) return
    specs.splice(index, 1)
    await replace(proxyId, specs)
  }

  /** Adds `spec` at the end, or puts it in the place of rule `index`. */
  async function save(proxyId: string, spec: RuleSpec, index?: number): Promise<void> {
    const specs = specsOf(proxyId)
    if (index === undefined || index >= specs.length) specs.push(spec)
    else specs[index] = spec
    await replace(proxyId, specs)
  }

  const load = async (proxyId: string, path: string): Promise<RulesState> => took(proxyId, await engine.call('rules.load', { proxyId, path }))
  /** The proxy's script: loaded from a path on the engine's host (replacing the one before), run again from its file, or unloaded. */
  const loadScript = async (proxyId: string, path: string): Promise<RulesState> => took(proxyId, await engine.call('script.load', { proxyId, path }))
  const reloadScript = async (proxyId: string): Promise<RulesState> => took(proxyId, await engine.call('script.reload', { proxyId }))
  const unloadScript = async (proxyId: string): Promise<RulesState> => took(proxyId, await engine.call('script.unload', { proxyId }))

  function openPanel(proxyId: string): void {
    faults.panel = { kind: 'rules', proxyId }
  }

  /** The proxy a mock of connection `connId` goes to: the one that carried it, else the first one listening. */
  async function proxyFor(capture: string, connId: number): Promise<string | undefined> {
    const conn = (await engine.call('conn.get', { capture, ids: [connId] }).catch(() => []))[0]
    if (conn?.kind === 'proxy' && engine.proxies.has(conn.ownerId)) return conn.ownerId
    return (engine.proxyList.find((p) => p.state === 'listening') ?? engine.proxyList[0])?.id
  }

  /**
   * A rule made by the engine from the recording (rules.from): "Mock this response" and
   * "Rewrite requests like this" from an exchange, "Mock this reply" from a raw message; left
   * in the editor of the proxy that carried it, to check and add. Undefined when there is no proxy.
   */
  async function ruleFrom(capture: string, connId: number, source: RuleSource): Promise<RuleDraft | undefined> {
    const proxyId = await proxyFor(capture, connId)
    if (proxyId === undefined) return undefined
    const spec = await engine.call('rules.from', { capture, connId, ...source })
    const note: RuleDraft['note'] =
      'message' in source
        ? { key: 'rules.editor.replyMade', values: { n: source.message + 1, conn: connId } }
        : { key: source.as === 'rewrite' ? 'rules.editor.rewriteMade' : 'rules.editor.mocked', values: { n: source.exchange + 1, conn: connId } }
    const made: RuleDraft = { proxyId, text: ruleText(spec), note }
    draft.value = made
    openPanel(proxyId)
    return made
  }

  /** "Mock this response": exchange `index` of connection `connId` answered as it was. */
  const mockFrom = (capture: string, connId: number, index: number): Promise<RuleDraft | undefined> => ruleFrom(capture, connId, { exchange: index })

  return { draft, stateOf, rulesOf, refresh, enable, move, remove, save, load, loadScript, reloadScript, unloadScript, openPanel, ruleFrom, mockFrom }
})
