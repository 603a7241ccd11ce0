// Intercept ▸ "A command…" as the UI drives it: the start dialog, the command whose output
// panel is open, and starting (intercept.command), stopping and removing a command. Which
// commands there are, their state and their output come with the engine's events
// (platform/engine-store.ts); a command stays listed after it exits, with its exit and output.

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { InterceptedCommand } from '../../../../shared/intercept-types'
import { useEngineStore } from '../../platform/engine-store'

export interface CommandStart {
  argv: string[]
  cwd?: string
  interceptTls: boolean
}

/** The program's name as a person says it: the last part of its path. */
export const programName = (c: InterceptedCommand): string => c.argv[0].replace(/^.*\//, '')

export const useCommandsStore = defineStore('commands', () => {
  const engine = useEngineStore()
  const formShown = ref(false)
  /** The command whose output panel is open. */
  const shownId = ref<string>()
  /** Commands asked to stop that have not exited yet. */
  const stopping = ref(new Set<string>())
  const list = computed(() => engine.commandList)
  const shown = computed(() => (shownId.value === undefined ? undefined : engine.commands.get(shownId.value)))

  /** Starts it, shows it at once (the engine's event says the same a frame later); the engine's error is thrown as it is. */
  async function start(asked: CommandStart): Promise<InterceptedCommand> {
    const command = await engine.call('intercept.command', { argv: asked.argv, ...(asked.cwd ? { cwd: asked.cwd } : {}), interceptTls: asked.interceptTls })
    if (!engine.commands.has(command.commandId)) engine.setCommand(command)
    return command
  }

  async function stop(commandId: string): Promise<void> {
    stopping.value = new Set(stopping.value).add(commandId)
    try {
      const ended = await engine.call('intercept.command.stop', { commandId })
      // Removed meanwhile (another page): it stays gone.
      if (engine.commands.has(commandId)) engine.setCommand(ended)
    } finally {
      const left = new Set(stopping.value)
      left.delete(commandId)
      stopping.value = left
    }
  }

  async function remove(commandId: string): Promise<void> {
    const command = engine.commands.get(commandId)
    await engine.call('intercept.command.remove', { commandId })
    if (command) engine.setCommand({ ...command, state: 'removed' })
    if (shownId.value === commandId) shownId.value = undefined
  }

  return { formShown, shownId, shown, stopping, list, start, stop, remove }
})
