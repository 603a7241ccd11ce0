// The built CLI (out/cli, made by the suite's global setup or `npm run build:cli`):
// - What an engine command loads at start (proxy.cjs and every chunk it requires at its top,
//   engine-run.cjs among them) holds none of @peculiar/x509, protobufjs or yaml: each is a
//   chunk of its own that loads when a certificate, a .proto file or a YAML file is first
//   made or read. Evaluated with the engine, they were about a sixth of every start's CPU,
//   some 750 starts in the suite.
// - Nor do they, or the CLI's entry, load node:tls, node:http, node:http2 or node:v8
//   (core/lazy-builtins.ts): about 30 ms of CPU of each start, and show, export or a proxy
//   without TLS never use the first three.
// - No chunk requires a worker's bundle or the Kaitai Struct compiler's: those are built on
//   their own into the same folder, and a chunk of theirs named as one of the CLI's (x509.es.cjs)
//   once replaced it, and loaded a proxy worker into the CLI when it made its CA.
import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const CLI = resolve(__dirname, '../../out/cli')
const read = (file: string): string => readFileSync(join(CLI, file), 'utf8')

/** A string of each package's own code (an error message, a class name), in no module of ours. */
const MARKERS = {
  // @peculiar/asn1-schema's, which @peculiar/x509 is built on.
  '@peculiar/x509': 'Cannot get schema for',
  protobufjs: 'path conflicts with non-namespace objects',
  yaml: 'Implicit keys need to be on a single line'
}

/** `file` and the chunks it requires at its top (`const x = require("./y.cjs")`), not those it requires later, inside a function. */
function loadedWith(file: string): Set<string> {
  const seen = new Set<string>()
  const queue = [file]
  for (let f = queue.pop(); f !== undefined; f = queue.pop()) {
    if (seen.has(f)) continue
    seen.add(f)
    for (const [, spec] of read(f).matchAll(/^(?:const \w+ = )?require\("\.\/([^"]+\.cjs)"\);?$/gm)) queue.push(spec)
  }
  return seen
}

const WORKER_BUNDLES = ['decode-worker.cjs', 'proxy-worker.cjs', 'script-worker.cjs', 'ksy-compiler.cjs']

describe('the built CLI', () => {
  it('starts an engine command without @peculiar/x509, protobufjs or yaml, which are chunks it loads when first used', () => {
    const atStart = loadedWith('proxy.cjs')
    expect(atStart).toContain('engine-run.cjs')
    const chunks = readdirSync(CLI).filter((f) => f.endsWith('.cjs') && !WORKER_BUNDLES.includes(f))
    for (const [pkg, marker] of Object.entries(MARKERS)) {
      const holders = chunks.filter((f) => read(f).includes(marker))
      expect(holders, `${pkg} is in a chunk of the CLI`).toHaveLength(1)
      expect(atStart.has(holders[0]!), `${pkg} (${holders[0]}) loads with the engine`).toBe(false)
    }
  })

  it('starts proxy, serve, show and export without node:tls, node:http, node:http2 or node:v8, which load when first used', () => {
    const eager = (file: string): string[] => [...read(file).matchAll(/^(?:let \w+ = )?require\("node:(tls|http|http2|v8)"\);?$/gm)].map(([, m]) => `${file} requires node:${m}`)
    expect([...loadedWith('index.cjs')].flatMap(eager)).toEqual([])
    for (const command of ['proxy.cjs', 'serve.cjs', 'show.cjs', 'export.cjs']) {
      const atStart = loadedWith(command)
      expect(atStart).toContain('engine-run.cjs')
      expect([...atStart].flatMap(eager), command).toEqual([])
    }
  })

  it("has no chunk that requires a worker's bundle or the Kaitai Struct compiler's", () => {
    const requiring = readdirSync(CLI)
      .filter((f) => f.endsWith('.cjs'))
      .flatMap((f) => [...read(f).matchAll(/require\("\.\/([^"]+\.cjs)"\)/g)].filter(([, spec]) => WORKER_BUNDLES.includes(spec!)).map(([, spec]) => `${f} requires ${spec}`))
    expect(requiring).toEqual([])
  })
})
