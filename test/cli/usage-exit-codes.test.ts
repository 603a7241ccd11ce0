// A mistake on the command line is a usage error: exit 2 (docs/cli.md), one line naming the
// command and the flag, and no capture file made. Before, the engine found most of these once
// it ran, so they exited 1 and left an empty --capture file behind. A start that fails for
// another reason (the port is taken) still exits 1, and leaves no file either.
import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { once } from 'node:events'
import { runCli } from '../helpers/cli'
import { tempDir } from '../helpers/net'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

const PROXY = ['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:1']

const CASES: { args: string[]; says: RegExp }[] = [
  { args: ['proxy', '--listen', '99999', '--target', '127.0.0.1:1'], says: /^tcpscope: proxy: --listen: bad port in "99999"/ },
  { args: ['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:0'], says: /^tcpscope: proxy: --target: bad port in "127.0.0.1:0"/ },
  { args: ['proxy', '--listen', '127.0.0.1:0', '--forward', '--target', '127.0.0.1:1'], says: /^tcpscope: proxy: a forward proxy has no target/ },
  { args: [...PROXY, '--frame', 'length:size=3'], says: /^tcpscope: proxy: --frame length:size=3: size=3 is not 1, 2, 4 or 8/ },
  { args: [...PROXY, '--break', 'regex=('], says: /^tcpscope: proxy: --break 'regex=\(': bad regular expression \/\(\/: missing closing \)/ },
  { args: [...PROXY, '--break', 'text=a,filter=foo:bar'], says: /^tcpscope: proxy: --break 'text=a,filter=foo:bar': unknown filter word "foo:"/ },
  // Every mistake of a filter, on the one line.
  {
    args: [...PROXY, '--break', 'text=a,filter=stauts:ok port:abc'],
    says: /^tcpscope: proxy: --break 'text=a,filter=stauts:ok port:abc': the filter has 2 mistakes: \(1\) unknown filter word "stauts:": did you mean status:\?; \(2\) filter port:abc: port wants a whole number, e\.g\. port:6379\n/
  },
  { args: [...PROXY, '--break', 'message=zz:1'], says: /^tcpscope: proxy: --break 'message=zz:1': .*zz: is no message word/ },
  { args: [...PROXY, '--toxic', 'latency:match=foo:bar'], says: /^tcpscope: proxy: --toxic 'latency:match=foo:bar': toxic match: unknown filter word "foo:"/ },
  { args: ['serve', '--listen', '70000'], says: /^tcpscope: serve: --listen: bad port in "70000"/ },
  { args: ['serve', '--listen', '127.0.0.1:0', '--frame', 'nonsense'], says: /^tcpscope: serve: --frame nonsense:/ },
  { args: ['connect', '127.0.0.1'], says: /^tcpscope: connect: target: bad address "127.0.0.1": give HOST:PORT/ },
  { args: ['connect', '127.0.0.1:1', '--frame', 'length:size=3'], says: /^tcpscope: connect: --frame length:size=3:/ },
  { args: ['run', '--frame', 'length:size=3', '--', 'true'], says: /^tcpscope: run: --frame length:size=3:/ }
]

/** Commands that read a capture: the framing is read before the file is. */
const READING: { args: string[]; says: RegExp }[] = [
  { args: ['show', 'no-such.tcap', '--frame', 'length:size=3'], says: /^tcpscope: show: --frame length:size=3: size=3 is not 1, 2, 4 or 8/ },
  // A filter with a mistake, in every command that takes --filter (ls and export take none).
  { args: ['show', 'no-such.tcap', '--filter', 'stauts:4xx'], says: /^tcpscope: show: --filter: unknown filter word "stauts:": did you mean status:\?\n$/ },
  { args: ['replay', 'no-such.tcap', '--all', '--filter', 'port:abc'], says: /^tcpscope: replay: --filter: filter port:abc: port wants a whole number, e\.g\. port:6379\n$/ },
  { args: ['replay', 'no-such.tcap', '--conn', '1', '--by-message', '--frame', 'nonsense', '--target', '127.0.0.1:1'], says: /^tcpscope: replay: --frame nonsense:/ },
  // Neither one connection nor all of them: both ways are named.
  { args: ['replay', 'no-such.tcap'], says: /^tcpscope: replay: --conn is required \(a connection id from `tcpscope ls`, or --all for every connection\)/ },
  { args: [...PROXY, '--toxic', 'latency:latency=100,toxicity=2'], says: /^tcpscope: proxy: --toxic 'latency:latency=100,toxicity=2': .*toxicity: expected a number <= 1, got 2/ }
]

describe('usage errors exit 2 and leave no capture', () => {
  it('says each mistake in one line naming its flag, before anything starts', async () => {
    const { dir, cleanup } = tempDir('usage-')
    cleanups.push(cleanup)
    const results = await Promise.all(
      CASES.map(async (c, i) => {
        const capture = join(dir, `c${i}.tcap`)
        return { c, capture, r: await runCli([...c.args, '--capture', capture]) }
      })
    )
    for (const { c, capture, r } of results) {
      expect({ args: c.args, code: r.code }).toEqual({ args: c.args, code: 2 })
      expect(r.stderr).toMatch(c.says)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(existsSync(capture), `${c.args.join(' ')} made ${capture}`).toBe(false)
    }
  })

  it('a command that reads a capture refuses a framing that does not read as a usage error too', async () => {
    for (const r of await Promise.all(READING.map(async (c) => ({ c, r: await runCli(c.args) })))) {
      expect({ args: r.c.args, code: r.r.code }).toEqual({ args: r.c.args, code: 2 })
      expect(r.r.stderr).toMatch(r.c.says)
    }
  })

  it('a start that fails otherwise (the port is taken, a rules file is wrong) exits 1 and removes the capture it made', async () => {
    const busy: Server = createServer()
    busy.listen(0, '127.0.0.1')
    await once(busy, 'listening')
    cleanups.push(() => new Promise((resolve) => busy.close(resolve)))
    const port = (busy.address() as { port: number }).port
    const { dir, cleanup } = tempDir('start-fails-')
    cleanups.push(cleanup)
    const rules = join(dir, 'rules.json')
    writeFileSync(rules, '{ "rules": [ { "match": { "nonsense": 1 } } ] }')
    const taken = join(dir, 'taken.tcap')
    const badRules = join(dir, 'rules.tcap')
    const [a, b] = await Promise.all([
      runCli(['proxy', '--listen', `127.0.0.1:${port}`, '--target', '127.0.0.1:1', '--capture', taken]),
      runCli([...PROXY, '--rules', rules, '--capture', badRules])
    ])
    expect(a.code).toBe(1)
    expect(a.stderr).toMatch(/^tcpscope: .*EADDRINUSE|in use/)
    expect(b.code).toBe(1)
    expect(b.stderr).toContain(rules)
    expect(existsSync(taken)).toBe(false)
    expect(existsSync(badRules)).toBe(false)
  })
})
