// Which proxy's Breakpoints, Faults or Rules panel is open, and the directions a person paused on a
// live proxied connection (the engine records the pause; the window remembers it to offer
// Resume).

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

  return { panel, isPaused, setPaused }
})
