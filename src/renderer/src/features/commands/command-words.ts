// How a command's state reads, the same in the sidebar and in its output panel: running with
// its pid, or how it ended, with the connections its proxy saw.

import { useI18n } from 'vue-i18n'
import type { InterceptedCommand } from '../../../../shared/intercept-types'

export function useCommandWords(): { stateLine(c: InterceptedCommand): string } {
  const { t } = useI18n()
  function connections(n: number | undefined): string {
    if (n === undefined) return ''
    return n === 0 ? t('commands.noConnection') : n === 1 ? t('commands.oneConnection') : t('commands.connections', { n })
  }
  function stateLine(c: InterceptedCommand): string {
    if (c.state === 'running') return t('commands.running', { pid: c.pid })
    const how = c.signal !== undefined ? t('commands.signal', { signal: c.signal }) : t('commands.exitCode', { code: c.exitCode ?? '?' })
    return [how, connections(c.connections)].filter(Boolean).join(' · ')
  }
  return { stateLine }
}
