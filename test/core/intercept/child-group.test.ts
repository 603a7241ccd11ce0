// A started browser's life, with real short-lived processes standing in for browsers.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { ChildGroup } from '../../../src/core/intercept/child-group'

/** Running, not a zombie waiting for a parent (in a container, PID 1 may never reap it). */
const alive = (pid: number): boolean => {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]
    return state !== 'Z' && state !== 'X'
  } catch {
    return false
  }
}

describe('browser processes', () => {
  it('reports how a process ended on its own, with what it said last', async () => {
    const p = await ChildGroup.start('sh', ['-c', 'echo "first" >&2; echo "bad flag --x" >&2; exit 3'])
    expect(await p.exited).toBe('exit code 3')
    expect(p.running).toBe(false)
    expect(p.stderrTail().split('\n').pop()).toBe('bad flag --x')
  })

  it.runIf(process.platform === 'linux')('stops a running one, and the helpers it forked with it', async () => {
    // The "browser" forks a helper and prints its pid, as Chromium forks renderers.
    const p = await ChildGroup.start('sh', ['-c', 'sleep 60 & echo $! >&2; wait'])
    let helper = 0
    while (helper === 0) {
      helper = Number(p.stderrTail()) || 0
      await new Promise((r) => setTimeout(r, 10))
    }
    expect(alive(helper)).toBe(true)
    expect(await p.stop()).toBe('signal SIGTERM')
    // The helper was signalled with its group; the kernel may take a moment to end it.
    for (let i = 0; i < 500 && alive(helper); i++) await new Promise((r) => setTimeout(r, 10))
    expect(alive(helper)).toBe(false)
    // Stopping again is a no-op that says the same.
    expect(await p.stop()).toBe('signal SIGTERM')
  })

  it('kills one that ignores being asked to quit', async () => {
    const p = await ChildGroup.start('sh', ['-c', 'trap "" TERM; echo ready >&2; while :; do sleep 1; done'])
    while (p.stderrTail() !== 'ready') await new Promise((r) => setTimeout(r, 10))
    expect(await p.stop(100)).toBe('signal SIGKILL')
  })

  it('refuses a program that is not there, in one line', async () => {
    await expect(ChildGroup.start('/nonexistent/chromium', [])).rejects.toThrow('cannot start /nonexistent/chromium: no such program')
  })
})
