// Copies a byte range of the selected connection to the clipboard in a format. The bytes
// are read from the engine a piece at a time and formatted between pieces, so a large
// selection neither holds the page nor blocks it; past MAX_COPY it is refused, since no
// one pastes more than that and the text of a C array of it would be six times as big.

import { ref, shallowRef } from 'vue'
import { useI18n } from 'vue-i18n'
import { copyFormatter, type CopyFormat } from './copy-formats'
import type { TextEncodingName } from './encodings'
import { formatBytes } from '../../ui/ui-readable'
import { readStream, type Stream } from './byte-pages-store'
import { useEngineStore } from '../../platform/engine-store'

export const MAX_COPY = 16 * 1024 * 1024
/** A multiple of 3 (base64) and of 12 (a C array's line), and a few milliseconds to format. */
const PIECE = 3 * 256 * 1024

const nextTask = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

export function useCopyBytes() {
  const { t } = useI18n()
  const engine = useEngineStore()
  const busy = ref(false)
  /** What the last copy did, for the view's status line. */
  const message = shallowRef<{ text: string; error: boolean }>()

  async function copy(s: Stream, range: { offset: number; length: number }, format: CopyFormat, encoding: TextEncodingName): Promise<void> {
    if (busy.value || range.length <= 0) return
    if (range.length > MAX_COPY) {
      message.value = { text: t('bytes.copyTooBig', { n: range.length, max: MAX_COPY, size: formatBytes(MAX_COPY) }), error: true }
      return
    }
    busy.value = true
    if (range.length > PIECE) message.value = { text: t('bytes.copying', { size: formatBytes(range.length) }), error: false }
    try {
      const f = copyFormatter(format, encoding)
      const end = range.offset + range.length
      for (let at = range.offset; at < end; at += PIECE) {
        const bytes = await readStream(engine, s, at, Math.min(PIECE, end - at))
        f.push(bytes)
        if (at + PIECE < end) await nextTask()
      }
      // Pages served over plain http from another host have no clipboard API.
      if (!navigator.clipboard) throw new Error('this page has no clipboard access (open it as localhost or over https)')
      await navigator.clipboard.writeText(f.finish())
      message.value = { text: t('bytes.copied', { n: range.length, format: t(`bytes.format.${format}`) }), error: false }
    } catch (err) {
      message.value = { text: t('bytes.copyFailed', { reason: (err as Error).message }), error: true }
    } finally {
      busy.value = false
    }
  }

  return { busy, message, copy }
}
