// What the byte views (hex and text) share: the stream on screen and the part of the shared
// selection in its direction, this view's own ranges told apart from those other views set
// (which it reveals), copying the selection (Ctrl+C) and selecting all (Ctrl+A), a mouse drag
// that follows the pointer outside the view, and the status line's message. As delivered
// the selection is the byte views' own (delivered-bytes-store.ts): the shared one is in
// sent offsets.

import { computed, onBeforeUnmount, ref, watch } from 'vue'
import type { CopyFormat } from './copy-formats'
import { useBytePagesStore } from './byte-pages-store'
import { useDeliveredBytesStore } from './delivered-bytes-store'
import { useSelectionStore, type StreamRange } from '../connections/selection-store'
import { sameRange } from '../connections/stream-range'
import { useCopyBytes } from './useCopyBytes'
import { useStreamEncoding } from './useStreamEncoding'

export interface ByteViewOptions {
  /** The copy format the view starts with. */
  format: CopyFormat
  /** Shows a range another view selected. */
  reveal: (r: StreamRange) => void
  /** Selects the whole stream (Ctrl+A); by default, its bytes. */
  selectAll?: () => void
}

export function useByteView(opts: ByteViewOptions) {
  const pages = useBytePagesStore()
  const selection = useSelectionStore()
  const delivered = useDeliveredBytesStore()
  const encoding = useStreamEncoding()
  const copier = useCopyBytes()
  const format = ref<CopyFormat>(opts.format)

  const stream = computed(() => pages.stream)
  const total = computed(() => stream.value?.total ?? 0)
  const asDelivered = computed(() => !!stream.value?.delivered)
  /** The selection, when it is in the direction on screen (as delivered, the byte views' own). */
  const selected = computed(() => {
    const r = asDelivered.value ? delivered.range : selection.range
    return r && r.dir === selection.dir ? r : undefined
  })

  /** The range this view set last: a range that differs came from elsewhere and is revealed. */
  let own: StreamRange | undefined
  /** Selects bytes [offset, offset + length) of the direction on screen, in every view (as delivered, in the byte views). */
  function select(offset: number, length: number): void {
    own = { dir: selection.dir, offset, length }
    if (asDelivered.value) delivered.range = own
    else selection.range = own
  }
  watch(
    () => (asDelivered.value ? delivered.range : selection.range),
    (r) => {
      if (r && !sameRange(r, own) && r.dir === selection.dir) opts.reveal(r)
    }
  )

  const selectAll = opts.selectAll ?? ((): void => select(0, total.value))

  function copy(): void {
    const s = stream.value
    const r = selected.value
    if (s && r) void copier.copy(s, r, format.value, encoding.value)
  }

  /** Ctrl+C copies, Ctrl+A selects everything; false for any other key. */
  function onSelectionKey(e: KeyboardEvent): boolean {
    if (!(e.ctrlKey || e.metaKey)) return false
    const k = e.key.toLowerCase()
    if (k === 'c') copy()
    else if (k === 'a') {
      if (total.value) selectAll()
    } else return false
    e.preventDefault()
    return true
  }

  // A drag goes on outside the view, until the button comes up anywhere.
  let dragging: ((e: MouseEvent) => void) | undefined
  function endDrag(): void {
    if (dragging) window.removeEventListener('mousemove', dragging)
    dragging = undefined
  }
  function startDrag(onMove: (e: MouseEvent) => void): void {
    endDrag()
    dragging = onMove
    window.addEventListener('mousemove', onMove)
    window.addEventListener('mouseup', endDrag, { once: true })
  }
  onBeforeUnmount(endDrag)

  const message = computed(() => (pages.error ? { text: pages.error, error: true } : copier.message.value))

  return { pages, selection, delivered, asDelivered, encoding, copier, format, stream, total, selected, select, copy, onSelectionKey, startDrag, message }
}
