// A <dialog> shown modal for as long as its component lives. When it goes (Escape, a button,
// or the app closing it), the focus goes back to what had it when the dialog came: the
// control that opened it, or the menu's button when a menu item did.
import { onBeforeUnmount, onMounted, type Ref } from 'vue'

export function useModal(dialog: Ref<HTMLDialogElement | undefined>): void {
  // Taken while the component is set up, before showModal() moves the focus into the dialog.
  const opener = typeof document === 'undefined' ? null : (document.activeElement as HTMLElement | null)
  onMounted(() => dialog.value?.showModal?.())
  onBeforeUnmount(() => {
    // While the dialog is modal the rest of the page is inert and refuses the focus.
    if (dialog.value?.open) dialog.value.close?.()
    if (opener?.isConnected) opener.focus?.()
  })
}
