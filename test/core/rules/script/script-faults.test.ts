// Nothing a script does takes the proxy down: an error, a hook that never returns or a heap
// that grows without end becomes an outcome that lets the traffic pass, one reported line,
// and (for the last two) a fresh thread.
import { afterEach, describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../../../helpers/net'
import { cleanupScripts, hostScript, request } from './script-helpers'

afterEach(cleanupScripts)

describe('a script that fails', () => {
  it("lets the traffic pass with the error's text and the script's own file and line, reported once", async () => {
    const { host, reports } = await hostScript(`export function onRequest(req) {
  req.headers.set('x-half', 'done')
  if (req.path === '/boom') throw new Error('boom')
  if (req.path === '/type') null.x
  if (req.path === '/string') throw 'plain'
}`)
    for (let i = 0; i < 3; i++) expect(await host.onRequest(request({ path: '/boom' }))).toEqual({ error: 'onRequest threw: boom (hooks.js:3)' })
    expect((await host.onRequest(request({ path: '/type' }))).error).toMatch(/^onRequest threw: TypeError: Cannot read properties of null \(reading 'x'\) \(hooks\.js:4\)$/)
    expect((await host.onRequest(request({ path: '/string' }))).error).toBe('onRequest threw: plain (hooks.js)')
    expect(reports).toEqual(['onRequest threw: boom (hooks.js:3)', expect.stringContaining('(hooks.js:4)'), 'onRequest threw: plain (hooks.js)'])
    expect(host.status()).toMatchObject({ calls: 5, errors: 5, restarts: 0, lastError: 'onRequest threw: plain (hooks.js)' })
  })

  it('reports an error thrown outside any hook, and goes on', async () => {
    const { host, reports } = await hostScript(`export function onRequest(req, ctx) {
  setTimeout(() => { throw new Error('late') }, 1)
  ctx.state.n = (ctx.state.n ?? 0) + 1
  req.headers.set('x-n', String(ctx.state.n))
}`)
    await host.onRequest(request())
    await expect.poll(() => reports).toEqual(['hooks.js threw outside a hook: late (hooks.js:2)'])
    expect((await host.onRequest(request())).changed?.headers).toContainEqual(['x-n', '2'])
  })

  it('stops a hook that never returns, answers every call in flight, and starts the script again with fresh state', async () => {
    const { host, reports } = await hostScript(
      `export async function onRequest(req, ctx) {
  ctx.state.n = (ctx.state.n ?? 0) + 1
  req.headers.set('x-n', String(ctx.state.n))
  if (req.path === '/wait') await new Promise((r) => setTimeout(r, 100))
  if (req.path === '/spin') for (;;) {}
}`,
      { timeoutMs: 500 }
    )
    await host.onRequest(request())
    let ticks = 0
    const ticker = setInterval(() => ticks++, 20)
    const spinning = Date.now()
    const [waiting, spun] = await Promise.all([host.onRequest(request({ path: '/wait' })), host.onRequest(request({ path: '/spin' }))])
    const spunFor = Date.now() - spinning
    clearInterval(ticker)
    const error = 'onRequest did not return within 0.5 s: stopped, the script restarted'
    expect(spun).toEqual({ error })
    // The call waiting behind the spinning one gets the same answer, not a hang.
    expect(waiting).toEqual({ error })
    expect(spunFor).toBeGreaterThanOrEqual(450)
    // The engine's thread went on while the hook spun.
    expect(ticks).toBeGreaterThanOrEqual(10)
    // A call made while the script restarts waits for it, and sees fresh state.
    expect((await host.onRequest(request())).changed?.headers).toContainEqual(['x-n', '1'])
    expect(reports).toEqual([`hooks.js: ${error}`])
    expect(host.status()).toMatchObject({ restarts: 1, errors: 2 })
  })

  it('stops a hook that allocates without end at its heap limit; the engine lives on', async () => {
    const { host, reports } = await hostScript(
      `export function onRequest(req) {
  if (req.path === '/hog') { const all = []; for (;;) all.push(new Array(100000).fill({ x: Math.random() })) }
  req.headers.set('x-ok', 'yes')
}`,
      { memoryMb: 32, timeoutMs: 20_000 }
    )
    const out = await host.onRequest(request({ path: '/hog' }))
    expect(out.error).toBe('the script ran out of memory (32 MB, with 1 call in flight): stopped, the script restarted')
    expect(reports).toEqual([`hooks.js: ${out.error}`])
    expect(host.status().restarts).toBe(1)
    expect((await host.onRequest(request())).changed?.headers).toContainEqual(['x-ok', 'yes'])
    // This process is still here, and can allocate.
    expect(new Array(1000).fill(1).length).toBe(1000)
  })

  it('restarts a script that keeps byte arrays past its memory (they are outside its heap limit)', async () => {
    const { host, reports } = await hostScript(`const keep = []
export function onRequest(req) {
  if (req.path === '/keep') keep.push(new Uint8Array(48 << 20).fill(1))
  req.headers.set('x-ok', 'yes')
}`)
    const outcomes = []
    for (let i = 0; i < 4; i++) outcomes.push((await host.onRequest(request({ path: '/keep' }))).error)
    expect(outcomes).toEqual([undefined, undefined, 'the script ran out of memory (its byte arrays passed 128 MiB, with 1 call in flight): stopped, the script restarted', undefined])
    expect(reports).toEqual([`hooks.js: ${outcomes[2]}`])
    expect(host.status().restarts).toBe(1)
    expect((await host.onRequest(request())).changed?.headers).toContainEqual(['x-ok', 'yes'])
  })

  it('cuts off a hook that allocates arrays in a loop well before its deadline', async () => {
    // 64 arrays of 16 MiB (1 GiB): before, all of it was made; now the host cuts it off past 3 × 128 MiB.
    const { host } = await hostScript(
      `export function onRequest(req) {
  const keep = []
  for (let i = 0; i < 64; i++) keep.push(new Uint8Array(16 << 20).fill(1))
  req.headers.set('x-ok', 'yes')
}`,
      { timeoutMs: 20_000 }
    )
    const before = process.memoryUsage.rss()
    let peak = before
    const sampling = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10)
    const out = await host.onRequest(request())
    clearInterval(sampling)
    expect(out.error).toBe('the script ran out of memory (its byte arrays passed 128 MiB, with 1 call in flight): stopped, the script restarted')
    expect(peak - before).toBeLessThan(700 * 1024 * 1024)
  })

  it('restarts after the script ends its own thread', async () => {
    const { host, reports } = await hostScript(`export function onRequest(req) {
  if (req.path === '/exit') process.exit(3)
  req.headers.set('x-ok', 'yes')
}`)
    expect((await host.onRequest(request({ path: '/exit' }))).error).toBe('the script ended its thread (exit code 3, with 1 call in flight): stopped, the script restarted')
    expect(reports).toHaveLength(1)
    expect((await host.onRequest(request())).changed?.headers).toContainEqual(['x-ok', 'yes'])
  })

  it('ends its thread on close', async () => {
    const { dir, cleanup } = tempDir('tcpscope-script-ticks-')
    const ticks = join(dir, 'ticks')
    try {
      const { host } = await hostScript(`import { appendFileSync } from 'node:fs'
setInterval(() => appendFileSync(${JSON.stringify(ticks)}, 'x'), 5)
export function onRequest() {}`)
      await expect.poll(async () => (await readFile(ticks, 'utf8').catch(() => '')).length).toBeGreaterThan(2)
      await host.close()
      const after = (await readFile(ticks, 'utf8')).length
      await new Promise((r) => setTimeout(r, 100))
      expect((await readFile(ticks, 'utf8')).length).toBe(after)
      expect(await host.onRequest(request())).toEqual({ error: 'hooks.js is closed' })
    } finally {
      cleanup()
    }
  })
})
