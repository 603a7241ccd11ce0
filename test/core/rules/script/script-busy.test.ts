// A hook that holds its thread (spins, never awaiting) must not hold up the proxy's other
// connections until its deadline: once the thread's heartbeat has been missing a moment, the
// calls made meanwhile, and those queued behind the hook, pass unchanged at once; the hook
// itself is still cut off at its deadline. A hook that awaits is not busy, however long.
import { afterEach, describe, expect, it } from 'vitest'
import type { HookOutcome, ScriptRequest } from '../../../../src/core/rules/script/script-types'
import { cleanupScripts, hostScript, request } from './script-helpers'

afterEach(cleanupScripts)

const SCRIPT = `export async function onRequest(req, ctx) {
  ctx.state.n = (ctx.state.n ?? 0) + 1
  req.headers.set('x-n', String(ctx.state.n))
  if (req.path === '/spin') for (;;) {}
  if (req.path === '/hold') { const until = Date.now() + 1200; while (Date.now() < until) {} }
  if (req.path === '/wait') await new Promise((r) => setTimeout(r, 1000))
}`

const SKIPPED = /^onRequest skipped: the script is busy \(a hook has run \d+\.\d s without yielding\); passed unchanged$/

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Runs the calls, each after its delay; `order` gets each one's label as it is answered. */
function callsLater(call: (path: string) => Promise<HookOutcome<ScriptRequest>>, order: string[], delays: number[]): Promise<HookOutcome<ScriptRequest>[]> {
  return Promise.all(
    delays.map(async (ms, i) => {
      await sleep(ms)
      const out = await call('/other')
      order.push(`other${i}`)
      return out
    })
  )
}

function header(out: HookOutcome<ScriptRequest>, name: string): string | undefined {
  return out.changed?.headers.find(([n]) => n === name)?.[1]
}

describe('a script whose hook holds its thread', () => {
  it('answers the calls made meanwhile at once, as skipped, and still cuts the hook off at its deadline', async () => {
    const { host, reports } = await hostScript(SCRIPT, { timeoutMs: 2000 })
    const call = (path: string): Promise<HookOutcome<ScriptRequest>> => host.onRequest(request({ url: path, path }))
    expect(header(await call('/'), 'x-n')).toBe('1')
    const order: string[] = []
    const spinning = call('/spin').then((out) => (order.push('spin'), out))
    // Some of these reach the thread's queue before it counts as busy, the rest come after.
    const others = await callsLater(call, order, [100, 200, 300, 400, 500])
    for (const out of others) expect(out).toEqual({ error: expect.stringMatching(SKIPPED) })
    expect(order).toHaveLength(5)
    const error = 'onRequest did not return within 2.0 s: stopped, the script restarted'
    expect(await spinning).toEqual({ error })
    expect(order.at(-1)).toBe('spin')
    // One line for the busy spell, one for the stop: not one per skipped call.
    expect(reports).toEqual([expect.stringMatching(/^hooks\.js: onRequest skipped: the script is busy/), `hooks.js: ${error}`])
    expect(host.status()).toMatchObject({ restarts: 1, calls: 7, errors: 6 })

    // After the restart, calls run again, on fresh state; one that awaits alongside others is not busy.
    expect(header(await call('/'), 'x-n')).toBe('1')
    const waiting = call('/wait')
    const after = await callsLater(call, [], [100, 300, 500, 700, 900])
    expect(after.map((out) => out.error)).toEqual([undefined, undefined, undefined, undefined, undefined])
    expect((await waiting).error).toBeUndefined()
    expect(reports).toHaveLength(2)
  })

  it('never runs the calls it skipped, and goes on without a restart once the hook returns', async () => {
    const { host, reports } = await hostScript(SCRIPT)
    const call = (path: string): Promise<HookOutcome<ScriptRequest>> => host.onRequest(request({ url: path, path }))
    const order: string[] = []
    const holding = call('/hold').then((out) => (order.push('hold'), out))
    const others = await callsLater(call, order, [100, 200, 300, 400, 500])
    for (const out of others) expect(out.error).toMatch(SKIPPED)
    const held = await holding
    expect(held.error).toBeUndefined()
    expect(header(held, 'x-n')).toBe('1')
    expect(order.at(-1)).toBe('hold')
    // Those queued behind it were claimed before the thread came free: n counts only the calls that ran.
    expect(header(await call('/'), 'x-n')).toBe('2')
    expect(reports).toEqual([expect.stringMatching(/^hooks\.js: onRequest skipped: the script is busy/)])
    expect(host.status()).toMatchObject({ restarts: 0, calls: 7, errors: 5 })
  })
})

describe('a script whose hook awaits', () => {
  it('is not busy: calls made while it awaits a second are answered as ever', async () => {
    const { host, reports } = await hostScript(SCRIPT)
    const call = (path: string): Promise<HookOutcome<ScriptRequest>> => host.onRequest(request({ url: path, path }))
    const order: string[] = []
    const waiting = call('/wait').then((out) => (order.push('wait'), out))
    const others = await callsLater(call, order, [100, 200, 300, 400, 500])
    expect(others.map((out) => out.error)).toEqual([undefined, undefined, undefined, undefined, undefined])
    expect(others.map((out) => Number(header(out, 'x-n'))).sort()).toEqual([2, 3, 4, 5, 6])
    expect((await waiting).error).toBeUndefined()
    expect(order.at(-1)).toBe('wait')
    expect(reports).toEqual([])
    expect(host.status()).toMatchObject({ restarts: 0, calls: 6, errors: 0 })
  })
})
