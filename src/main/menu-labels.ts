// The menu's words in each language the page speaks; the page says which one it shows
// (ShellState), and the menu follows it.

import type { UiLanguage } from '../shared/shell'

export interface MenuLabels {
  file: string
  open: string
  save: string
  recent: string
  noRecent: string
  close: string
  replay: string
  view: string
  language: string
  theme: string
  themeSystem: string
  themeLight: string
  themeDark: string
  help: string
  shortcuts: string
  startPanel: string
  captureFiles: string
  allFiles: string
  /** The save dialog's title for the page's downloads (exports, a copy of the capture). */
  saveFile: string
}

const LABELS: Record<UiLanguage, MenuLabels> = {
  en: {
    file: '&File',
    open: 'Open capture…',
    save: 'Save capture as…',
    recent: 'Open recent',
    noRecent: 'No recent files',
    close: 'Close capture',
    replay: 'Replay capture…',
    view: '&View',
    language: 'Language',
    theme: 'Theme',
    themeSystem: 'System',
    themeLight: 'Light',
    themeDark: 'Dark',
    help: '&Help',
    shortcuts: 'Keyboard shortcuts',
    startPanel: 'Start panel',
    captureFiles: 'tcpscope captures',
    allFiles: 'All files',
    saveFile: 'Save file'
  },
  'zh-CN': {
    file: '文件(&F)',
    open: '打开抓包…',
    save: '抓包另存为…',
    recent: '最近打开',
    noRecent: '没有最近的文件',
    close: '关闭抓包',
    replay: '重放抓包…',
    view: '视图(&V)',
    language: '语言',
    theme: '主题',
    themeSystem: '跟随系统',
    themeLight: '浅色',
    themeDark: '深色',
    help: '帮助(&H)',
    shortcuts: '快捷键',
    startPanel: '开始面板',
    captureFiles: 'tcpscope 抓包文件',
    allFiles: '所有文件',
    saveFile: '保存文件'
  }
}

/** A language's own name, the same in every menu, so a user lost in the other language finds theirs. */
export const LANGUAGE_NAMES: Record<UiLanguage, string> = { en: 'English', 'zh-CN': '简体中文' }

export const menuLabels = (language: UiLanguage): MenuLabels => LABELS[language]
