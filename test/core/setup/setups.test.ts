// Setups on real sockets: what runs (proxies with toxics and breakpoints, a server with its
// behaviour, a client) saved under a name, read back, started again by another engine on
// the same ports; the last setup kept as things change and offered to the next engine;
// named setups duplicated, deleted, imported with every wrong field named; damaged files
// set aside with one line, never a crash; files private to their owner.
import { afterEach, describe, expect, it } from 'vitest'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { freePort, sendAndRead, startServer, tempDir } from '../../helpers/net'
import type { Setup } from '../../../src/shared/setup-types'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function dataFolder(): string {
  const { dir, cleanup } = tempDir('tcpscope-setups-')
  cleanups.push(cleanup)
  return dir
}

async function engine(dataDir: string, keepLastSetup = false): Promise<TestEngine> {
  // The data folder is TCPSCOPE_DATA_DIR's when set (as the tests' global setup sets it), over the option.
  process.env.TCPSCOPE_DATA_DIR = dataDir
  const t = await testEngine({ keepLastSetup })
  cleanups.push(t.dispose)
  return t
}

async function echoServer(): Promise<number> {
  const echo = await startServer((s) => s.pipe(s))
  cleanups.push(echo.close)
  return echo.port
}


/**
 * A proxy with a toxic and a breakpoint, an echo server session with a reply rule, and a client
 * session. On ports another engine starts them on again, which no test beside this one can take
 * meanwhile (freePort).
 */
async function runSomething(t: TestEngine, target: number): Promise<void> {
  const proxy = await t.engine['proxy.start']({ listen: `127.0.0.1:${await freePort()}`, target: `127.0.0.1:${target}`, connectTimeoutMs: 3000 })
  await t.engine['toxic.add']({ proxyId: proxy.id, toxic: { type: 'latency', stream: 'both', attributes: { latency: 5, jitter: 0 }, match: 'port:1' } })
  await t.engine['break.add']({ proxyId: proxy.id, rule: { match: 'text', pattern: 'PASS', stream: 'upstream', enabled: false, timeoutMs: 5000 } })
  const server = await t.engine['server.start']({ listen: `127.0.0.1:${await freePort()}`, behaviour: { echo: true, rules: [{ match: 'exact', pattern: 'ping', reply: { kind: 'text', data: 'pong' } }] } })
  await t.engine['client.connect']({ target: server.listen, noDelay: false })
}

describe('setups', () => {
  it('saves what runs, lists and reads it, and another engine starts it on the same ports', async () => {
    const data = dataFolder()
    const target = await echoServer()
    const first = await engine(data)
    await runSomething(first, target)
    const current = await first.engine['setup.current']()
    const proxyListen = (await first.engine['proxy.list']())[0].listen
    expect(current.proxies).toEqual([
      {
        start: { listen: proxyListen, target: `127.0.0.1:${target}`, connectTimeoutMs: 3000 },
        toxics: [{ name: 'latency_both', type: 'latency', stream: 'both', toxicity: 1, attributes: { latency: 5, jitter: 0 }, enabled: true, match: 'port:1' }],
        breakpoints: [{ stream: 'upstream', match: 'text', pattern: 'PASS', timeoutMs: 5000, enabled: false }]
      }
    ])
    expect(current.servers).toHaveLength(1)
    expect(current.servers[0].behaviour).toEqual({ echo: true, rules: [{ match: 'exact', pattern: 'ping', reply: { kind: 'text', data: 'pong' } }] })
    expect(current.clients).toEqual([{ target: current.servers[0].listen, noDelay: false }])

    const saved = await first.engine['setup.save']({ name: 'redis debugging' })
    expect(saved).toMatchObject({ name: 'redis debugging', proxies: 1, servers: 1, clients: 1 })
    expect(await first.engine['setup.list']()).toEqual([expect.objectContaining({ name: 'redis debugging', proxies: 1, servers: 1, clients: 1 })])
    await expect(first.engine['setup.save']({ name: 'redis debugging' })).rejects.toThrow('a setup named "redis debugging" exists already; choose another name, or overwrite it')
    await first.engine['setup.save']({ name: 'redis debugging', overwrite: true })
    const serverListen = current.servers[0].listen
    await first.dispose()
    cleanups.splice(cleanups.indexOf(first.dispose), 1)

    // A new engine (a restart) on the same data folder.
    const second = await engine(data)
    expect((await second.engine['setup.read']({ name: 'redis debugging' })).proxies).toEqual(current.proxies)
    const outcome = await second.engine['setup.open']({ name: 'redis debugging' })
    expect(outcome).toEqual({ proxies: ['p1'], servers: ['s1'], clients: ['c1'], failures: [] })
    const [proxy] = await second.engine['proxy.list']()
    expect(proxy.listen).toBe(proxyListen)
    expect(await second.engine['toxic.list']({ proxyId: 'p1' })).toEqual([expect.objectContaining({ name: 'latency_both', match: 'port:1', attributes: { latency: 5, jitter: 0 } })])
    expect(await second.engine['break.list']({ proxyId: 'p1' })).toEqual([expect.objectContaining({ match: 'text', pattern: 'PASS', enabled: false, timeoutMs: 5000 })])
    expect(await sendAndRead(portOf(proxyListen), 'through the restored proxy')).toBe('through the restored proxy')
    expect(await sendAndRead(portOf(serverListen), 'ping')).toBe('pong')
  })

  it("keeps a proxy's traffic rules (a list, or the file they came from) and its script, and starts them again", async () => {
    const data = dataFolder()
    const target = await echoServer()
    const first = await engine(data)
    const listed = await first.engine['proxy.start']({ listen: `127.0.0.1:${await freePort()}`, target: `127.0.0.1:${target}` })
    const rule = { name: 'mock', match: { http: { path: '/api/user' } }, steps: [{ respond: { json: { name: 'mock' } } }] }
    await first.engine['rules.set']({ proxyId: listed.id, rules: [rule] })
    const filed = await first.engine['proxy.start']({ listen: `127.0.0.1:${await freePort()}`, target: `127.0.0.1:${target}` })
    const rulesFile = join(data, 'rules.json')
    await writeFile(rulesFile, JSON.stringify({ rules: [{ match: { resp: { command: 'GET' } }, steps: [{ respond: { resp: { bulk: 'on' } } }] }] }))
    await first.engine['rules.load']({ proxyId: filed.id, path: rulesFile })
    const script = join(data, 'hooks.mjs')
    await writeFile(script, 'export function onRequest(req) {}\n')
    await first.engine['script.load']({ proxyId: filed.id, path: script })
    const current = await first.engine['setup.current']()
    expect(current.proxies.map((p) => ({ rules: p.rules, rulesFile: p.rulesFile, script: p.script }))).toEqual([
      { rules: [{ ...rule, enabled: true }], rulesFile: undefined, script: undefined },
      { rules: undefined, rulesFile, script }
    ])
    await first.engine['setup.save']({ name: 'mocks' })
    await first.dispose()
    cleanups.splice(cleanups.indexOf(first.dispose), 1)

    const second = await engine(data)
    expect(await second.engine['setup.open']({ name: 'mocks' })).toMatchObject({ proxies: ['p1', 'p2'], failures: [] })
    expect((await second.engine['rules.list']({ proxyId: 'p1' })).rules.map((r) => r.spec)).toEqual([{ ...rule, enabled: true }])
    const restored = await second.engine['rules.list']({ proxyId: 'p2' })
    expect(restored).toMatchObject({ file: rulesFile, script: { path: script, hooks: ['onRequest'] } })
    // A setup's rule that does not check is named, with the proxy it belongs to.
    const bad = { kind: 'tcpscope-setup', version: 1, proxies: [{ start: { listen: '127.0.0.1:0', target: `127.0.0.1:${target}` }, rules: [{ match: { http: {} }, steps: [] }] }] }
    await expect(second.engine['setup.apply']({ setup: bad as unknown as Setup })).rejects.toThrow('proxies[0].rules: rule 1.steps: expected a list of 1 to 100 steps')
  })

  it('duplicates and deletes named setups, and refuses names that are not file-safe', async () => {
    const t = await engine(dataFolder())
    await t.engine['setup.save']({ name: 'empty one' })
    expect(await t.engine['setup.duplicate']({ name: 'empty one', as: 'copy (2)' })).toMatchObject({ name: 'copy (2)', proxies: 0 })
    await expect(t.engine['setup.duplicate']({ name: 'empty one', as: 'copy (2)' })).rejects.toThrow('exists already')
    expect((await t.engine['setup.list']()).map((e) => e.name)).toEqual(['copy (2)', 'empty one'])
    await t.engine['setup.delete']({ name: 'empty one' })
    expect((await t.engine['setup.list']()).map((e) => e.name)).toEqual(['copy (2)'])
    await expect(t.engine['setup.delete']({ name: 'empty one' })).rejects.toThrow('no setup named "empty one"; list them with setup.list')
    await expect(t.engine['setup.open']({ name: 'nothing' })).rejects.toThrow('no setup named "nothing"')
    for (const bad of ['../escape', '.hidden', 'a/b', 'nul\u0000']) {
      await expect(t.engine['setup.save']({ name: bad })).rejects.toThrow(/^setup name .*: use letters, digits, spaces and \. _ \( \) -, starting with a letter or digit$/)
    }
    // Chinese names are letters too.
    await t.engine['setup.save']({ name: '抓包 环境' })
    expect((await t.engine['setup.list']()).map((e) => e.name)).toContain('抓包 环境')
  })

  it('imports a document after checking every field, naming each wrong one', async () => {
    const t = await engine(dataFolder())
    const bad = {
      kind: 'tcpscope-setup',
      version: 1,
      proxies: [{ start: { listen: 8080 } }, { start: { listen: '127.0.0.1:0', target: 'x:1' }, toxics: [{ type: 'lag' }], extra: 1 }],
      servers: [{ listen: '127.0.0.1:0', behaviour: { echo: 'yes' } }],
      clients: 'none',
      colour: 'blue'
    }
    const err = await t.engine['setup.import']({ name: 'bad', setup: bad as unknown as Setup }).catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    const message = (err as Error).message
    for (const problem of [
      'colour: unknown field',
      'proxies[0].start.listen: expected a string, got number',
      'proxies[1].extra: unknown field',
      'proxies[1].toxics[0].type: expected one of latency',
      'servers[0].behaviour.echo: expected true or false, got string',
      'clients: expected an array, got string'
    ]) {
      expect(message).toContain(problem)
    }
    expect(message.split('\n')).toHaveLength(1)
    await expect(t.engine['setup.import']({ name: 'x', setup: { version: 1 } as unknown as Setup })).rejects.toThrow('not a tcpscope setup: "kind" must be "tcpscope-setup"')
    await expect(t.engine['setup.import']({ name: 'x', setup: { kind: 'tcpscope-setup', version: 7 } as unknown as Setup })).rejects.toThrow(
      'version: this setup is in format 7, made by a newer tcpscope; this one reads formats up to 1: update tcpscope'
    )
    expect(await t.engine['setup.list']()).toEqual([])

    const good = { kind: 'tcpscope-setup', version: 1, proxies: [{ start: { listen: '127.0.0.1:0', target: '127.0.0.1:9' } }] } as unknown as Setup
    expect(await t.engine['setup.import']({ name: 'good', setup: good })).toMatchObject({ name: 'good', proxies: 1, servers: 0, clients: 0 })
    // An export is what setup.read gives: it imports again as it is.
    const exported = await t.engine['setup.read']({ name: 'good' })
    expect(await t.engine['setup.import']({ name: 'again', setup: JSON.parse(JSON.stringify(exported)) as Setup })).toMatchObject({ proxies: 1 })
    expect(await t.engine['setup.read']({ name: 'again' })).toEqual({ ...exported, name: 'again' })
  })

  it('starts what it can of a setup and says in one line each what did not start', async () => {
    const t = await engine(dataFolder())
    const taken = await startServer(() => undefined)
    cleanups.push(taken.close)
    const setup = {
      kind: 'tcpscope-setup',
      version: 1,
      proxies: [
        { start: { listen: `127.0.0.1:${taken.port}`, target: '127.0.0.1:9' } },
        { start: { listen: '127.0.0.1:0', target: '127.0.0.1:9' }, toxics: [{ type: 'latency', attributes: { nope: 1 } }] }
      ]
    } as unknown as Setup
    const outcome = await t.engine['setup.apply']({ setup })
    expect(outcome.proxies).toEqual(['p1'])
    expect(outcome.failures).toHaveLength(2)
    expect(outcome.failures[0].what).toBe(`proxy 127.0.0.1:${taken.port} → 127.0.0.1:9`)
    expect(outcome.failures[0].message).toMatch(/in use/)
    expect(outcome.failures[1].what).toBe('proxy 127.0.0.1:0 → 127.0.0.1:9: toxic latency')
    expect(outcome.failures[1].part).toEqual({ kind: 'proxy', where: '127.0.0.1:0 → 127.0.0.1:9', rule: { kind: 'toxic', name: 'latency' } })
    expect(outcome.failures[1].message).toMatch(/nope/)
  })

  it('keeps the last setup as things change, and the next engine offers and restores it', async () => {
    const data = dataFolder()
    const target = await echoServer()
    const first = await engine(data, true)
    expect(await first.engine['setup.last']()).toBeNull()
    await runSomething(first, target)
    const lastFile = join(data, 'setups', '.last-setup.json')
    await expect.poll(async () => ((JSON.parse(await readFile(lastFile, 'utf8').catch(() => '{}')) as Setup).proxies ?? []).length).toBe(1)
    // What this run offers stays what the run before it left (nothing), whatever this run starts.
    expect(await first.engine['setup.last']()).toBeNull()
    const proxyListen = (await first.engine['proxy.list']())[0].listen
    // Closing the engine stops everything; the last setup stays what ran before.
    await first.dispose()
    cleanups.splice(cleanups.indexOf(first.dispose), 1)

    const second = await engine(data, true)
    const last = await second.engine['setup.last']()
    expect(last).toMatchObject({ proxies: 1, servers: 1, clients: 1 })
    const outcome = await second.engine['setup.restore']()
    expect(outcome.failures).toEqual([])
    expect((await second.engine['proxy.list']())[0].listen).toBe(proxyListen)
    expect(await sendAndRead(portOf(proxyListen), 'again')).toBe('again')
    // Stopping what was restored changes the file, not the offer of this run.
    await second.engine['proxy.stop']({ proxyId: 'p1' })
    await expect.poll(async () => (JSON.parse(await readFile(lastFile, 'utf8')) as Setup).proxies.length).toBe(0)
    expect(await second.engine['setup.last']()).toMatchObject({ proxies: 1 })
  })

  it('leaves the last setup alone in an engine that does not keep it (a one-off CLI run)', async () => {
    const data = dataFolder()
    const t = await engine(data)
    await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: '127.0.0.1:9' })
    await new Promise((r) => setTimeout(r, 500))
    await t.dispose()
    cleanups.splice(cleanups.indexOf(t.dispose), 1)
    expect(await readdir(join(data, 'setups')).catch(() => [])).not.toContain('.last-setup.json')
  })

  it('refuses to restore when nothing ran last time', async () => {
    const t = await engine(dataFolder(), true)
    await expect(t.engine['setup.restore']()).rejects.toThrow('no setup from last time: nothing was running when tcpscope last ran')
  })

  it('sets a damaged file aside with a one-line warning, and lists the rest', async () => {
    const data = dataFolder()
    await mkdir(join(data, 'setups'), { recursive: true })
    await writeFile(join(data, 'setups', '.last-setup.json'), 'garbage')
    const t = await engine(data)
    await t.engine['setup.save']({ name: 'fine' })
    await writeFile(join(data, 'setups', 'broken.json'), '{"kind": "tcpscope-setup", "version": 1, "proxies": [')
    await writeFile(join(data, 'setups', 'wrong.json'), JSON.stringify({ kind: 'tcpscope-setup', version: 1, proxies: [{ start: {} }] }))
    expect((await t.engine['setup.list']()).map((e) => e.name)).toEqual(['fine'])
    expect(await t.engine['setup.last']()).toBeNull()
    const warnings = t.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []))
    expect(warnings).toHaveLength(3)
    expect(warnings.find((w) => w.startsWith('setup "broken" was damaged and was set aside as '))).toMatch(/not JSON/)
    expect(warnings.find((w) => w.startsWith('setup "wrong"'))).toMatch(/proxies\[0\]\.start\.listen: expected a string, got undefined/)
    expect(warnings.find((w) => w.startsWith('the last setup'))).toMatch(/not JSON/)
    for (const w of warnings) expect(w.split('\n')).toHaveLength(1)
    const aside = (await readdir(join(data, 'setups'))).filter((f) => f.includes('.damaged-'))
    expect(aside).toHaveLength(3)
    // A second look finds nothing more to set aside.
    expect((await t.engine['setup.list']()).map((e) => e.name)).toEqual(['fine'])
  })

  it('writes setups private to their owner, atomically', async () => {
    const data = dataFolder()
    const t = await engine(data)
    await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward: { proxyAuth: 'me:secret' } })
    await t.engine['setup.save']({ name: 'with credentials' })
    expect((await stat(join(data, 'setups'))).mode & 0o777).toBe(0o700)
    const files = await readdir(join(data, 'setups'))
    expect(files).toEqual(['with credentials.json'])
    expect((await stat(join(data, 'setups', files[0]))).mode & 0o777).toBe(0o600)
    // Many saves at once: each lands whole, none is refused as "changed while written".
    await Promise.all(Array.from({ length: 8 }, () => t.engine['setup.save']({ name: 'with credentials', overwrite: true })))
    expect((await t.engine['setup.read']({ name: 'with credentials' })).proxies[0].start.forward).toEqual({ proxyAuth: 'me:secret' })
    expect((await readdir(join(data, 'setups'))).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('keeps the window layout the front end gives it, bounded', async () => {
    const data = dataFolder()
    const t = await engine(data)
    expect(await t.engine['ui.state.get']()).toBeNull()
    await t.engine['ui.state.set']({ state: '{"panes":{"main":[30,70]}}' })
    expect(await t.engine['ui.state.get']()).toBe('{"panes":{"main":[30,70]}}')
    await mkdir(join(data, 'x'), { recursive: true })
    const { validateArgs } = await import('../../../src/shared/contract')
    expect(() => validateArgs('ui.state.set', { state: 'x'.repeat(64 * 1024 + 1) })).toThrow('state: expected at most 65536 characters')
  })
})

describe('setups, edge cases', () => {
  it('leaves the last setup as it was after a run that started and stopped nothing, and after closing', async () => {
    const data = dataFolder()
    const first = await engine(data, true)
    await first.engine['proxy.start']({ listen: '127.0.0.1:0', target: '127.0.0.1:9' })
    await first.dispose()
    cleanups.splice(cleanups.indexOf(first.dispose), 1)
    const lastFile = join(data, 'setups', '.last-setup.json')
    const kept = await readFile(lastFile, 'utf8')
    expect((JSON.parse(kept) as Setup).proxies).toHaveLength(1)
    // Nothing the close stopped came after it, however long one waits.
    await new Promise((r) => setTimeout(r, 600))
    expect(await readFile(lastFile, 'utf8')).toBe(kept)

    const idle = await engine(data, true)
    await idle.dispose()
    cleanups.splice(cleanups.indexOf(idle.dispose), 1)
    expect(await readFile(lastFile, 'utf8')).toBe(kept)
  })

  it('does not read (nor set aside) the last setup in an engine that neither keeps nor offers it', async () => {
    const data = dataFolder()
    await mkdir(join(data, 'setups'), { recursive: true })
    await writeFile(join(data, 'setups', '.last-setup.json'), 'garbage')
    const t = await engine(data)
    await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: '127.0.0.1:9' })
    await t.dispose()
    cleanups.splice(cleanups.indexOf(t.dispose), 1)
    expect(await readFile(join(data, 'setups', '.last-setup.json'), 'utf8')).toBe('garbage')
    expect(t.events.filter((e) => e.type === 'warning')).toEqual([])
  })

  it('starts no part of a stored setup that sends a file where the front end may not, and says how to allow it', async () => {
    const data = dataFolder()
    process.env.TCPSCOPE_DATA_DIR = data
    const t = await testEngine({ setupFilePayloads: { allowed: false, hint: 'start tcpscope web with --allow-files to allow it' } })
    cleanups.push(t.dispose)
    const setup = {
      kind: 'tcpscope-setup',
      version: 1,
      proxies: [{ start: { listen: '127.0.0.1:0', target: '127.0.0.1:9' } }],
      servers: [
        { listen: '127.0.0.1:0', behaviour: { rules: [{ match: 'contains', pattern: 'x', reply: { kind: 'file', data: '/etc/hostname' } }] } },
        { listen: '127.0.0.1:0', behaviour: { echo: true } }
      ]
    } as unknown as Setup
    await t.engine['setup.import']({ name: 'reads a file', setup })
    const outcome = await t.engine['setup.open']({ name: 'reads a file' })
    expect(outcome.proxies).toEqual(['p1'])
    expect(outcome.servers).toEqual(['s1'])
    expect(outcome.failures).toEqual([
      {
        what: 'server 127.0.0.1:0',
        part: { kind: 'server', where: '127.0.0.1:0' },
        message: "it sends a file's contents (a payload of kind file), which is off here; start tcpscope web with --allow-files to allow it"
      }
    ])
  })

  it('names files so any file system takes them and reads back only its own', async () => {
    const data = dataFolder()
    const t = await engine(data)
    const long = '抓'.repeat(64)
    for (const name of [long, 'v1.2', 'con', 'My Setup']) await t.engine['setup.save']({ name })
    const files = (await readdir(join(data, 'setups'))).sort()
    expect(files).toEqual(['%63on.json', 'My Setup.json', 'v1%2E2.json', `${long}.json`].sort())
    // Files it did not write that way are not setups of its.
    await writeFile(join(data, 'setups', 'My%20Setup.json'), '{}')
    await writeFile(join(data, 'setups', '-x.json'), '{}')
    expect((await t.engine['setup.list']()).map((e) => e.name).sort()).toEqual([long, 'My Setup', 'con', 'v1.2'].sort())
    expect(t.events.filter((e) => e.type === 'warning')).toEqual([])
  })

  it('lists the rest when one setup cannot be read, saying which', async () => {
    const data = dataFolder()
    const t = await engine(data)
    await t.engine['setup.save']({ name: 'fine' })
    await mkdir(join(data, 'setups', 'odd.json'))
    expect((await t.engine['setup.list']()).map((e) => e.name)).toEqual(['fine'])
    const warnings = t.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []))
    expect(warnings).toEqual([expect.stringContaining('cannot read setup "odd"')])
  })

  it('lets one of two saves of a new name win and refuses the other, and keeps its folder private', async () => {
    const data = dataFolder()
    await mkdir(join(data, 'setups'), { recursive: true, mode: 0o755 })
    const t = await engine(data)
    const both = await Promise.allSettled([t.engine['setup.save']({ name: 'race' }), t.engine['setup.save']({ name: 'race' })])
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    expect(String((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)).toContain('a setup named "race" exists already')
    expect((await stat(join(data, 'setups'))).mode & 0o777).toBe(0o700)
  })

  it("refuses a window layout over its bound in bytes, not only in characters", async () => {
    const t = await engine(dataFolder())
    await expect(t.engine['ui.state.set']({ state: '抓'.repeat(30_000) })).rejects.toThrow("the window's layout is over 65536 bytes; it is not kept")
  })
})

describe('what a setup leaves out', () => {
  it('leaves out proxies started for something that stops them: a Toxiproxy API client, an intercepted browser', async () => {
    const t = await engine(dataFolder())
    const { ToxiproxyApi } = await import('../../../src/core/toxiproxy/toxiproxy-api')
    const api = await ToxiproxyApi.start(t.engine, { listen: { kind: 'tcp', host: '127.0.0.1', port: 0 }, version: '0.1.0' })
    cleanups.push(() => api.stop())
    const created = await fetch(`http://127.0.0.1:${api.port}/proxies`, { method: 'POST', body: JSON.stringify({ name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' }) })
    expect(created.status).toBe(201)
    await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward: {}, ephemeral: true })
    const mine = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: '127.0.0.1:9' })
    expect((await t.engine['proxy.list']()).length).toBe(3)
    expect((await t.engine['setup.current']()).proxies.map((p) => p.start.listen)).toEqual([mine.listen])
  })
})
