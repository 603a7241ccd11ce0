// The nginx helper cleans up after itself: stopping it ends the master and its workers, so a
// test run leaves no nginx serving behind it.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { startNginx, type Nginx } from './nginx'
import { tempDir, waitFor } from './net'
import { needPeer } from './peers'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Pids whose parent is `pid` (from /proc: field 4 of stat, after the command's parentheses). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid
      } catch {
        return false // gone while we looked
      }
    })
    .map(Number)
}

describe('startNginx', () => {
  it('stop() ends the master and every worker', async (ctx) => {
    if (!needPeer('nginx')) return ctx.skip()
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const nginx: Nginx = await startNginx(dir)
    cleanups.push(nginx.stop)
    // The master forks its workers after it answers: on a busy machine, a moment later.
    const workers = await waitFor(() => {
      const w = childrenOf(nginx.pid)
      return w.length > 0 && w
    }, "nginx's workers")
    expect(workers.length).toBeGreaterThan(0)

    await nginx.stop()
    const left = [nginx.pid, ...workers].filter((pid) => existsSync(`/proc/${pid}`))
    expect(left).toEqual([])
  })
})
