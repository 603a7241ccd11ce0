// Lets what a test set going run until it waits on something outside the test: a fake
// engine's answers, the store or component code they resume, Vue's scheduler (a promise
// callback too). Each turn runs every promise callback queued, then the timers due now, so
// a chain of awaits that crosses a 0 ms timer goes on; five turns see the deepest chain the
// stores make (an answer, the page it asks for next, the render). `frames` first lets that
// many animation frames pass: the renderer's engine store applies the engine's batches
// once a frame. Under fake timers the turns and frames are the fake clock's: a timer of
// 1 ms or more stays unfired unless a frame passes it.
// (In both tsconfigs: renderer and engine tests share it.)
import { vi } from 'vitest'

/** The page's window, where there is one (requestAnimationFrame is not Node's). */
const page = globalThis as { requestAnimationFrame?: (callback: () => void) => number }

export async function flushPromises({ turns = 5, frames = 0 }: { turns?: number; frames?: number } = {}): Promise<void> {
  for (let i = 0; i < frames; i++) {
    if (vi.isFakeTimers()) vi.advanceTimersToNextFrame()
    else if (page.requestAnimationFrame) await new Promise<void>((r) => page.requestAnimationFrame!(() => r()))
    else throw new Error('flushPromises: no animation frames outside a DOM')
  }
  for (let i = 0; i < turns; i++) {
    if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(0)
    else await new Promise((r) => setTimeout(r, 0))
  }
}
