// Closing the desktop window with an unsaved live capture asks first: save a copy (then
// close), close without saving, or stay; a failed save keeps the window and says why.
import { describe, expect, it } from 'vitest'
import { guardClose, type CloseChoice, type CloseGuardDeps, type GuardedWindow } from '../../src/main/close-guard'
import { flushPromises } from '../helpers/flush-promises'

/** A window whose close runs the listeners the way Electron does, and says whether it closed. */
function fakeWindow() {
  const listeners: Array<(e: { preventDefault(): void }) => void> = []
  const w = {
    closed: 0,
    on: (_event: 'close', l: (e: { preventDefault(): void }) => void) => listeners.push(l),
    close: () => {
      let prevented = false
      for (const l of listeners) l({ preventDefault: () => (prevented = true) })
      if (!prevented) w.closed++
    }
  }
  return w satisfies GuardedWindow
}

function deps(over: Partial<CloseGuardDeps> & { answers?: CloseChoice[] } = {}) {
  const asked: number[] = []
  const saved: string[] = []
  const failures: string[] = []
  let settle: () => void = () => {}
  /** Resolves when a failed save was reported. */
  const settled = new Promise<void>((r) => (settle = r))
  const d: CloseGuardDeps = {
    unsaved: () => 3,
    ask: async (n) => {
      asked.push(n)
      return over.answers?.shift() ?? 'cancel'
    },
    choosePath: async () => '/home/ana/copy.tcap',
    save: async (path) => {
      saved.push(path)
    },
    failed: (m) => {
      failures.push(m)
      settle()
    },
    ...over
  }
  return { d, asked, saved, failures, settled }
}

describe('closing the desktop window with an unsaved live capture', () => {
  it('closes at once when there is nothing unsaved', () => {
    const w = fakeWindow()
    const { d, asked } = deps({ unsaved: () => undefined })
    const guard = guardClose(w, d, () => {})
    expect(guard.wouldAsk()).toBe(false)
    w.close()
    expect(w.closed).toBe(1)
    expect(asked).toEqual([])
  })

  it('asks, and stays on Cancel', async () => {
    const w = fakeWindow()
    const { d, asked } = deps({ answers: ['cancel'] })
    const guard = guardClose(w, d, () => {})
    expect(guard.wouldAsk()).toBe(true)
    w.close()
    await flushPromises()
    expect(asked).toEqual([3])
    expect(w.closed).toBe(0)
  })

  it('closes without saving when told to, and asks no more', async () => {
    const w = fakeWindow()
    const { d } = deps({ answers: ['discard'] })
    const guard = guardClose(w, d, () => {})
    w.close()
    await flushPromises()
    expect(w.closed).toBe(1)
    expect(guard.wouldAsk()).toBe(false)
  })

  it('saves where the user chose, then closes', async () => {
    const w = fakeWindow()
    const { d, saved } = deps({ answers: ['save'] })
    guardClose(w, d, () => {})
    w.close()
    await flushPromises()
    expect(saved).toEqual(['/home/ana/copy.tcap'])
    expect(w.closed).toBe(1)
  })

  it('a save that fails keeps the window open and says why; a cancelled save dialog keeps it too', async () => {
    const w = fakeWindow()
    const { d, failures, settled } = deps({
      answers: ['save', 'save'],
      save: async () => {
        throw new Error('cannot save to /home/ana/copy.tcap: ENOSPC: no space left on device')
      }
    })
    guardClose(w, d, () => {})
    w.close()
    await settled
    expect(failures).toEqual(['cannot save to /home/ana/copy.tcap: ENOSPC: no space left on device'])
    expect(w.closed).toBe(0)

    const w2 = fakeWindow()
    const second = deps({ answers: ['save'], choosePath: async () => undefined })
    guardClose(w2, second.d, () => {})
    w2.close()
    await flushPromises()
    expect(second.saved).toEqual([])
    expect(w2.closed).toBe(0)
  })

  it('a second close while the question is up does not ask twice', async () => {
    const w = fakeWindow()
    const { d, asked } = deps({ answers: ['cancel'] })
    guardClose(w, d, () => {})
    w.close()
    w.close()
    await flushPromises()
    expect(asked).toEqual([3])
  })
})
