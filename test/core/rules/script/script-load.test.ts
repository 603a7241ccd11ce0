// Loading a script: JavaScript or TypeScript (types stripped, lines kept), a one-line error
// naming file:line for a file that does not load, and a new version on every save that
// loads, the last good one kept otherwise.
import { afterEach, describe, expect, it } from 'vitest'
import { writeFile } from 'node:fs/promises'
import { ScriptHost } from '../../../../src/core/rules/script/script-host'
import { UserError } from '../../../../src/core/net/net-errors'
import { cleanupScripts, closeLater, hostScript, request, scriptWorkerFile, writeScript } from './script-helpers'

afterEach(cleanupScripts)

async function loadError(code: string, name = 'hooks.js'): Promise<{ err: unknown; path: string }> {
  const path = await writeScript(code, name)
  const err = await ScriptHost.load(path, { workerFile: scriptWorkerFile, watch: false }).then(
    (host) => {
      closeLater(host)
      return undefined
    },
    (e: unknown) => e
  )
  return { err, path }
}

describe('loading a script', () => {
  it('runs TypeScript with its types stripped, and names the .ts file and line of an error', async () => {
    const { host } = await hostScript(
      `interface Req { path: string; headers: { set(n: string, v: string): void } }
type Ctx = { state: Record<string, number> }

export function onRequest(req: Req, ctx: Ctx): void {
  const label: string = \`seen \${req.path}\`
  req.headers.set('x-label', label as string)
  if (req.path === '/boom') throw new Error('typed boom')
}`,
      { name: 'my hooks.ts' }
    )
    expect((await host.onRequest(request())).changed?.headers).toContainEqual(['x-label', 'seen /things'])
    expect((await host.onRequest(request({ path: '/boom' }))).error).toBe('onRequest threw: typed boom (my hooks.ts:7)')
  })

  it('says so when a script exports no hook', async () => {
    const { host, reports } = await hostScript(`export default { onRequest() {} }\n`)
    expect(host.status().hooks).toEqual([])
    expect(reports).toEqual(['hooks.js exports none of onRequest, onResponse, onMessage, onConnect, onClose: it changes nothing'])
  })

  it('rejects a missing file in one line', async () => {
    const err = await ScriptHost.load('/nonexistent/dir/hooks.js', { workerFile: scriptWorkerFile, watch: false }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserError)
    expect((err as Error).message).toBe('cannot load script /nonexistent/dir/hooks.js: no such file')
  })

  it('rejects a syntax error naming file:line, in JavaScript and in TypeScript', async () => {
    const js = await loadError(`export function onRequest(req) {\n  const a = 1\n  let let = 2\n}\n`)
    expect(js.err).toBeInstanceOf(UserError)
    expect((js.err as Error).message).toMatch(new RegExp(`^${js.path}:3: SyntaxError: `))
    const ts = await loadError(`export function onRequest(req: unknown) {\n\n  const a: number = (1\n}\n`, 'hooks.ts')
    expect((ts.err as Error).message).toMatch(new RegExp(`^${ts.path}:4: `))
    const enumTs = await loadError(`const a = 1\nenum E { A }\n`, 'hooks.ts')
    expect((enumTs.err as Error).message).toBe(`${enumTs.path}:2: TypeScript enum is not supported in strip-only mode`)
    for (const { err } of [js, ts, enumTs]) expect((err as Error).message).not.toContain('\n')
  })

  it('rejects a script that throws while loading, or imports what it cannot', async () => {
    const thrown = await loadError(`const a = 1\nthrow new Error('no config')\n`)
    expect((thrown.err as Error).message).toBe(`${thrown.path}:2 threw while loading: no config`)
    const imported = await loadError(`import { x } from './helper.js'\nexport function onRequest() {}\n`)
    expect((imported.err as Error).message).toBe(`${imported.path} cannot import "./helper.js": a script may import node: modules only (node:fs, node:crypto, ...)`)
  })

  it('loads again when the file is saved, and keeps the last good code through a bad edit', async () => {
    const { host, path, reports } = await hostScript(`export function onRequest(req) { req.headers.set('x-v', '1') }\n`, { watch: true })
    const version = async (): Promise<string | undefined> => (await host.onRequest(request())).changed?.headers.find(([n]) => n === 'x-v')?.[1]
    const changes: number[] = []
    host.watchStatus(() => changes.push(host.status().loadedAt))
    expect(await version()).toBe('1')

    await writeFile(path, `export function onRequest(req) { req.headers.set('x-v', '2') }\nexport function onClose() {}\n`)
    await expect.poll(version).toBe('2')
    expect(host.has('onClose')).toBe(true)
    expect(changes.length).toBeGreaterThan(0)

    await writeFile(path, `export function onRequest(req) {\n  req.headers.set('x-v', '3'\n}\n`)
    await expect.poll(() => reports).toHaveLength(1)
    expect(reports[0]).toMatch(new RegExp(`^${path}:3: SyntaxError: `))
    expect(await version()).toBe('2')
    expect(host.status().lastError).toBe(reports[0])

    await writeFile(path, `export function onRequest(req) { req.headers.set('x-v', '4') }\n`)
    await expect.poll(version).toBe('4')
    expect(host.status().lastError).toBeUndefined()
    expect(host.has('onClose')).toBe(false)
  })

  it('reload() rejects a bad edit in one line and keeps the running version', async () => {
    const { host, path } = await hostScript(`export function onRequest(req) { req.headers.set('x-v', '1') }\n`)
    await writeFile(path, `export function onRequest(req) { req.headers.set('x-v' 2) }\n`)
    await expect(host.reload()).rejects.toThrow(new RegExp(`^${path}:1: SyntaxError: `))
    expect((await host.onRequest(request())).changed?.headers).toContainEqual(['x-v', '1'])
    await writeFile(path, `export function onRequest(req) { req.headers.set('x-v', '2') }\n`)
    await host.reload()
    expect((await host.onRequest(request())).changed?.headers).toContainEqual(['x-v', '2'])
  })

  it('restarts with the last code that loaded, not what the file holds now', async () => {
    const { host, path } = await hostScript(`export function onRequest(req) { if (req.path === '/spin') for (;;) {}\n req.headers.set('x-v', '1') }\n`, { timeoutMs: 1000 })
    await writeFile(path, `syntax error here(\n`)
    expect((await host.onRequest(request({ path: '/spin' }))).error).toMatch(/did not return/)
    expect((await host.onRequest(request())).changed?.headers).toContainEqual(['x-v', '1'])
  })
})
