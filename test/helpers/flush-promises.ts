// Lets what a test set going run until it waits on something outside the test: a fake
// engine's answers, the store or component code they resume, Vue's scheduler (a promise
// callback too). Each turn runs every promise callback queued, then the timers due now, so
// a chain of awaits that crosses a 0 ms timer goes on; five turns see the deepest chain the
// stores make (an answer, the page it asks for next, the render). Under fake timers the
// turns are the fake clock's, moved by nothing: a timer of 1 ms or more stays unfired.
import { vi } from 'vitest'

export async function flushPromises({ turns = 5 }: { turns?: number } = {}): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(0)
    else await new Promise((r) => setTimeout(r, 0))
  }
}
