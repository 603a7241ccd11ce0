// The HTTP tab's view as a person sees it, for component tests over a fake engine: connection
// 5 selected, HttpView mounted on it (in the document, so focus and dialogs work) and settled.
import { mount, type VueWrapper } from '@vue/test-utils'
import { setActivePinia, type Pinia } from 'pinia'
import { nextTick } from 'vue'
import type { Transport } from '../../../../src/shared/transport'
import HttpView from '../../../../src/renderer/src/features/http/HttpView.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { settle } from './http-fixtures'

/** Mounts HttpView on connection 5 of `transport`'s engine; the wrapper goes into `mounted`, for the file to unmount. */
export async function mountHttpView(pinia: Pinia, transport: Transport, mounted: VueWrapper[], language: 'en' | 'zh-CN' = 'en') {
  setActivePinia(pinia)
  useEngineStore().attach(transport)
  const selection = useSelectionStore()
  selection.select(5)
  await settle()
  const w = mount(HttpView, { props: { conn: selection.conn!, capture: 'live' }, global: { plugins: [pinia, createAppI18n(language)] }, attachTo: document.body })
  mounted.push(w)
  await settle()
  await nextTick()
  return { w, selection }
}
