/// <reference types="vite/client" />
// The TLS messages exist in both languages, key for key, and every key the TLS views, the
// Intercept menu, the forms' TLS parts, the list and the sidebar use is there, including
// the keys made from values (trust steps, alerts, locks, modes).
import { describe, expect, it } from 'vitest'
import tls from '../../../../src/renderer/src/platform/i18n/messages/tls'
import { EXPLAINED_ALERTS } from '../../../../src/renderer/src/features/tls/tls-facts'
import { TRUST_SYSTEMS, trustSteps } from '../../../../src/renderer/src/features/tls/trust-steps'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

const SOURCES = import.meta.glob(
  [
    '../../../../src/renderer/src/features/tls/*.{vue,ts}',
    '../../../../src/renderer/src/features/sessions/forms/*.vue',
    '../../../../src/renderer/src/features/sessions/ProxiesSection.vue',
    '../../../../src/renderer/src/features/connections/ConnectionList.vue',
    '../../../../src/renderer/src/app/AppToolbar.vue'
  ],
  { query: '?raw', import: 'default', eager: true }
) as Record<string, string>

describe('TLS messages', () => {
  const known = new Set(keys(tls.en as Tree))

  it('have the same keys in English and Chinese', () => {
    expect(keys(tls['zh-CN'] as Tree).sort()).toEqual(keys(tls.en as Tree).sort())
  })

  it('have every key the TLS parts of the UI use', () => {
    const used = Object.values(SOURCES).flatMap((source) => [...source.matchAll(/\bt\('((?:tls|tlsForm)\.[\w.-]+)'/g)].map((m) => m[1]))
    expect(used.length).toBeGreaterThan(80)
    expect(used.filter((k) => !known.has(k))).toEqual([])
  })

  it('have the keys made from values', () => {
    const made = [
      ...EXPLAINED_ALERTS.map((a) => `tls.alert.${a}`),
      ...TRUST_SYSTEMS.flatMap((s) => [`tls.trust.os.${s}`, ...trustSteps(s, '/x').map((step) => `tls.trust.step.${step.id}`)]),
      ...['closed', 'open', 'broken'].map((l) => `tls.lock.${l}`),
      ...['client', 'server'].flatMap((s) => [`tls.side.${s}`, `tls.leg.${s}`]),
      ...['target', 'forward'].flatMap((m) => [`tlsForm.mode.${m}`, `tlsForm.mode.${m}Hint`]),
      'tlsForm.listen.sources.ca',
      'tlsForm.listen.sources.files',
      ...['version', 'cipher', 'sni', 'alpn', 'resumed'].map((r) => `tls.view.${r}`)
    ]
    expect(made.filter((k) => !known.has(k))).toEqual([])
  })
})
