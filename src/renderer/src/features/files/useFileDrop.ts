// Files dragged over the window: whether some are (for the drop hint) and, on drop, which.
// Only drags that carry files count, so dragging text or a splitter does nothing; the
// browser's own handling (opening the file in place of the app) is stopped for them.

import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

const carriesFiles = (e: DragEvent): boolean => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files')

export function useFileDrop(onFiles: (files: File[]) => void): Ref<boolean> {
  const dragging = ref(false)
  // dragenter and dragleave come for every element crossed; the drag has left when they even out.
  let depth = 0
  const enter = (e: DragEvent): void => {
    if (!carriesFiles(e)) return
    e.preventDefault()
    depth++
    dragging.value = true
  }
  const over = (e: DragEvent): void => {
    if (!carriesFiles(e)) return
    e.preventDefault()
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy'
  }
  const leave = (e: DragEvent): void => {
    if (!carriesFiles(e)) return
    depth = Math.max(0, depth - 1)
    if (depth === 0) dragging.value = false
  }
  const drop = (e: DragEvent): void => {
    if (!carriesFiles(e)) return
    e.preventDefault()
    depth = 0
    dragging.value = false
    const files = Array.from(e.dataTransfer?.files ?? [])
    if (files.length) onFiles(files)
  }
  const events = { dragenter: enter, dragover: over, dragleave: leave, drop } as const
  onMounted(() => {
    for (const [name, fn] of Object.entries(events)) window.addEventListener(name, fn as EventListener)
  })
  onBeforeUnmount(() => {
    for (const [name, fn] of Object.entries(events)) window.removeEventListener(name, fn as EventListener)
  })
  return dragging
}
