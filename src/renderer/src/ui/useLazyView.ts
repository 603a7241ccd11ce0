// A view whose code loads when its component is first mounted (CodeMirror for the byte and
// rule editors: about 270 KB of script the page would otherwise evaluate at its first load,
// which shows no editor). The component itself stays an ordinary one: its own elements (the
// host the view goes in, a status line) render at once, so its parent's layout is the same
// from the first frame; only the view inside the host arrives a moment later. The component
// builds the view from its props as they are when the code arrives, so nothing that changed
// before then is lost, and its watchers reach the view through `view()` once it is there.

import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

export interface LazyView {
  focus(): void
  destroy(): void
}

export interface LazyViewHandle<V extends LazyView> {
  /** The view, once its code has loaded; undefined before (and after unmounting). */
  view: () => V | undefined
  /** Focuses the view, or, before it exists, as soon as it does. */
  focus: () => void
  /** Why the code did not load (a page whose build was replaced while it was open). */
  failed: Ref<string | undefined>
}

/**
 * `load` imports the view's module and gives back what makes the view in the host: it runs
 * from onMounted; a component unmounted before the code arrives makes no view.
 */
export function useLazyView<V extends LazyView>(host: Ref<HTMLElement | undefined>, load: () => Promise<(parent: HTMLElement) => V>): LazyViewHandle<V> {
  let view: V | undefined
  let mounted = false
  let focusWanted = false
  const failed = ref<string>()
  onMounted(() => {
    mounted = true
    load()
      .then((create) => {
        if (!mounted || !host.value) return
        view = create(host.value)
        if (focusWanted) view.focus()
        focusWanted = false
      })
      .catch((err: unknown) => {
        if (mounted) failed.value = err instanceof Error ? err.message : String(err)
      })
  })
  onBeforeUnmount(() => {
    mounted = false
    view?.destroy()
    view = undefined
  })
  return {
    view: () => view,
    focus: () => {
      if (view) view.focus()
      else focusWanted = true
    },
    failed
  }
}
