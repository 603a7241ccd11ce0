// Setups in words and names: what a setup holds ("2 proxies and 1 server"), a part that did
// not start as one line in the page's language, the engine's import error split into one
// line per wrong field, and the file names of an export and an import.

import type { SetupCounts, SetupFailure } from '../../../../shared/setup-types'

type Translate = (key: string, named: Record<string, unknown>, plural: number) => string

/**
 * "3 proxies, 1 server and 2 clients", "3 个代理、1 个服务器和 2 个客户端", or '' for nothing;
 * zero counts are left out. Joined by the messages rather than Intl.ListFormat, whose
 * Chinese puts no space between 和 and a number, unlike the rest of the UI.
 */
export function countsText(c: SetupCounts, t: Translate): string {
  const parts = (['proxies', 'servers', 'clients'] as const).filter((k) => c[k] > 0).map((k) => t(`setups.count.${k}`, { n: c[k] }, c[k]))
  if (parts.length < 2) return parts[0] ?? ''
  return t('setups.join.and', { a: parts.slice(0, -1).join(t('setups.join.sep', {}, 1)), b: parts[parts.length - 1] }, 1)
}

/**
 * A setup's part that did not start, in the page's words (`代理 127.0.0.1:6380 → …`,
 * `… : toxic slow was not added`), with the engine's one-line reason as it is.
 */
export function failureLine(f: SetupFailure, t: (key: string, named?: Record<string, unknown>) => string): string {
  const { kind, where, rule } = f.part
  const part = `${t(`setups.kind.${kind}`)} ${where}`
  if (rule) return t(`setups.failure.${rule.kind}`, { proxy: part, name: rule.name, message: f.message })
  return t('setups.failure.part', { what: part, message: f.message })
}

/**
 * The engine's error of an import as lines: one per wrong field ("3 problems: a; b; c" is
 * how a SetupError reads). The split is at "; " before a field's path, so a message that
 * has a semicolon of its own stays whole.
 */
export function problemLines(message: string): string[] {
  const m = /^\d+ problems: ([\s\S]*)$/.exec(message)
  if (!m) return [message]
  return m[1].split(/; (?=[A-Za-z_][\w.[\]]*: )/)
}

/** The file an exported setup is offered as. */
export const exportFileName = (name: string): string => `${name}.tcpscope-setup.json`

/** An export of what runs now, named by its day: `setup-2026-11-23.tcpscope-setup.json`. */
export const currentFileName = (now = new Date()): string => exportFileName(`setup-${now.toISOString().slice(0, 10)}`)

/**
 * The name an imported file suggests: its own without `.json` (and the export's
 * `.tcpscope-setup`), with characters a setup's name cannot have made dashes.
 */
export function nameFromFile(file: string): string {
  const base = file.replace(/^.*[\\/]/, '').replace(/\.json$/i, '').replace(/\.tcpscope-setup$/i, '')
  const cleaned = base.replace(/[^\p{L}\p{N} ._()-]/gu, '-').replace(/^[^\p{L}\p{N}]+/u, '').slice(0, 64).trim()
  return cleaned || 'imported'
}
