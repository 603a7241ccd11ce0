// Selecting a session in the sidebar filters the live connection list to what it owns
// (`owner:ID`); selecting it again clears that.

import { useConnectionsStore } from '../connections/connections-store'

export function useOwnerFilter(): { isShown(id: string): boolean; toggleOwned(id: string): void } {
  const list = useConnectionsStore()
  const ownerFilter = (id: string): string => `owner:${id}`
  const isShown = (id: string): boolean => list.capture === 'live' && list.filter.trim() === ownerFilter(id)
  function toggleOwned(id: string): void {
    const shown = isShown(id)
    list.capture = 'live'
    list.filter = shown ? '' : ownerFilter(id)
  }
  return { isShown, toggleOwned }
}
