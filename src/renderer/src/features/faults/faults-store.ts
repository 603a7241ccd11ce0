// Which proxy's Breakpoints, Faults or Rules panel is open, the directions a person paused on a
// live proxied connection (the engine records the pause; the window remembers it to offer
// Resume), and the sides a person sent a FIN (nothing more can go to them but an RST).

import { defineStore } from 'pinia'
import { ref, shallowReactive } from 'vue'
import type { Direction } from '../../../../shared/capture-types'

export type RulesPanel = { kind: 'breaks' | 'toxics' | 'rules'; proxyId: string }

export const useFaultsStore = defineStore('faults', () => {
  const panel = ref<RulesPanel>()
  /** `${connId}:${dir}` of each paused direction. */
  const paused = shallowReactive(new Set<string>())

  const isPaused = (connId: number, dir: Direction): boolean => paused.has(`${connId}:${dir}`)
  function setPaused(connId: number, dir: Direction, on: boolean): void {
    if (on) paused.add(`${connId}:${dir}`)
    else paused.delete(`${connId}:${dir}`)
  }

  /** `${connId}:${side}` of each side a person closed with a FIN. */
  const finSent = shallowReactive(new Set<string>())
  const wasSentFin = (connId: number, side: Direction): boolean => finSent.has(`${connId}:${side}`)
  const sentFin = (connId: number, side: Direction): void => void finSent.add(`${connId}:${side}`)

  return { panel, isPaused, setPaused, wasSentFin, sentFin }
})
