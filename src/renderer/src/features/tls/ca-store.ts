// tcpscope's certificate authority as the CA panel shows it: its facts (ca.info, which makes
// the CA on first use), its certificate exported as a download (PEM or DER: the engine never
// hands out the key), a regenerate the person has confirmed, and the trust bundle (ca.bundle:
// the CA and the system's roots in one file, which the terminal's lines point at). Each
// action's error is kept for the panel to show beside the control that caused it.

import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { CaInfo, TrustBundle } from '../../../../shared/tls-types'
import { useEngineStore } from '../../platform/engine-store'
import { offerDownload } from '../files/download-capture'

export type CaFormat = 'pem' | 'der'
type CaAction = 'load' | 'export' | 'regenerate'

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

export const useCaStore = defineStore('ca', () => {
  const engine = useEngineStore()
  const info = shallowRef<CaInfo>()
  /** The panel is open. */
  const shown = ref(false)
  const busy = ref<CaAction>()
  const errors = ref<Partial<Record<CaAction | 'bundle', string>>>({})
  const bundle = shallowRef<TrustBundle>()
  /** The file name last exported, for the panel to say so. */
  const exported = ref<string>()

  async function act<T>(action: CaAction, run: () => Promise<T>): Promise<T | undefined> {
    if (busy.value) return undefined
    busy.value = action
    errors.value = { ...errors.value, [action]: undefined }
    try {
      return await run()
    } catch (err) {
      errors.value = { ...errors.value, [action]: message(err) }
      return undefined
    } finally {
      busy.value = undefined
    }
  }

  async function load(): Promise<void> {
    const got = await act('load', () => engine.call('ca.info'))
    if (got) info.value = got
  }

  async function exportCa(format: CaFormat): Promise<boolean> {
    exported.value = undefined
    const got = await act('export', () => engine.call('ca.export', { format }))
    if (!got?.bytes) {
      if (got) errors.value = { ...errors.value, export: `the engine returned no certificate for ${got.fileName}` }
      return false
    }
    const type = format === 'pem' ? 'application/x-pem-file' : 'application/pkix-cert'
    offerDownload(new Blob([got.bytes as BlobPart], { type }), got.fileName)
    exported.value = got.fileName
    return true
  }

  /**
   * Has the engine write the trust bundle and keeps what it says of it. Not one of the
   * panel's actions that wait for each other: the terminal dialog asks for it beside ca.info.
   */
  async function loadBundle(): Promise<void> {
    errors.value = { ...errors.value, bundle: undefined }
    try {
      bundle.value = await engine.call('ca.bundle')
    } catch (err) {
      bundle.value = undefined
      errors.value = { ...errors.value, bundle: message(err) }
    }
  }

  async function regenerate(): Promise<boolean> {
    const got = await act('regenerate', () => engine.call('ca.regenerate', { confirm: true }))
    if (got) info.value = got
    // A bundle written before holds the old CA: written again, a shell pointed at it trusts the new one.
    if (got && bundle.value) void loadBundle()
    return !!got
  }

  function open(): void {
    shown.value = true
    void load()
  }

  return { info, bundle, shown, busy, errors, exported, load, loadBundle, exportCa, regenerate, open }
})
