// Closing the window (or quitting) while the live capture holds connections that no save has
// copied asks first, in a native message box: save a copy, close without saving, or stay.
// The capture file itself stays in the app's data folder, where nobody looks for it; a
// copy saved here is one the user can find. Only types come from electron, so this runs,
// and is tested, in plain Node.

import type { UiLanguage } from '../shared/shell'

export type CloseChoice = 'save' | 'discard' | 'cancel'

export interface CloseGuardDeps {
  /** The live capture's connections when it holds unsaved ones; undefined when it is saved (or empty). */
  unsaved(): number | undefined
  /** The question; resolves with the user's answer. */
  ask(connections: number): Promise<CloseChoice>
  /** The native save dialog (it asks before replacing a file); undefined when cancelled. */
  choosePath(): Promise<string | undefined>
  save(path: string): Promise<void>
  /** A save that failed: the window stays, and the user is told why in one line. */
  failed(message: string): void
}

/** The parts of Electron's BrowserWindow used here. */
export interface GuardedWindow {
  on(event: 'close', listener: (event: { preventDefault(): void }) => void): unknown
  close(): void
}

export interface CloseGuard {
  /** True while closing would lose unsaved connections (a quit should close the window first, to ask). */
  wouldAsk(): boolean
}

export function guardClose(win: GuardedWindow, deps: CloseGuardDeps, log: (message: string, err?: unknown) => void): CloseGuard {
  let allowed = false
  let asking = false
  const wouldAsk = (): boolean => !allowed && deps.unsaved() !== undefined
  const closeNow = (): void => {
    allowed = true
    win.close()
  }
  const decide = async (connections: number): Promise<void> => {
    const choice = await deps.ask(connections)
    if (choice === 'discard') return closeNow()
    if (choice !== 'save') return
    const path = await deps.choosePath()
    if (path === undefined) return
    try {
      await deps.save(path)
    } catch (err) {
      deps.failed(err instanceof Error ? err.message : String(err))
      return
    }
    closeNow()
  }
  win.on('close', (event) => {
    if (allowed) return
    const connections = deps.unsaved()
    if (connections === undefined) return
    event.preventDefault()
    if (asking) return
    asking = true
    decide(connections)
      .catch((err: unknown) => log('tcpscope: asking before closing failed:', err))
      .finally(() => (asking = false))
  })
  return { wouldAsk }
}

export interface CloseLabels {
  message: (connections: number) => string
  detail: string
  save: string
  discard: string
  cancel: string
  saveFailed: string
}

const LABELS: Record<UiLanguage, CloseLabels> = {
  en: {
    message: (n) => `The live capture has ${n} connection${n === 1 ? '' : 's'} that you have not saved.`,
    detail: 'Save a copy where you can find it before closing? Otherwise it stays only in the app data folder.',
    save: 'Save…',
    discard: 'Close without saving',
    cancel: 'Cancel',
    saveFailed: 'The capture was not saved'
  },
  'zh-CN': {
    message: (n) => `实时抓包中有 ${n} 个连接尚未保存。`,
    detail: '关闭前要将副本保存到便于查找的位置吗？否则它只留在应用数据文件夹中。',
    save: '保存…',
    discard: '不保存并关闭',
    cancel: '取消',
    saveFailed: '抓包未保存'
  }
}

export function closeLabels(language: UiLanguage): CloseLabels {
  return LABELS[language]
}
