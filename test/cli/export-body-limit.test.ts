// `tcpscope export --format har` on a capture holding the decompression bomb of the report
// (2 MiB of gzip that inflates to 2 GiB of zeros, from a real server through the proxy):
// the real CLI finishes with a small file, the entry's comment says the body was cut and
// why, the HAR validates, and the process's peak RSS (getrusage, read as it exits) stays far
// under 1 GiB. `--body-limit` moves the cut, and a bad one is a one-line usage error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { har as validateHar } from 'har-validator'
import { DEFAULT_BODY_LIMIT } from '../../src/shared/limits'
import { runCli } from '../helpers/cli'
import { portOf, testEngine, type TestEngine } from '../helpers/engine'
import { closedConnections } from '../helpers/capture-checks'
import { connectTo } from '../helpers/net'
import { gzipOfZeros, startBombServer } from '../helpers/gzip-bomb'

const MiB = 1024 * 1024
let t: TestEngine

interface Har {
  log: { entries: Array<{ comment?: string; response: { content: { size: number; text?: string; comment?: string } } }> }
}

beforeAll(async () => {
  t = await testEngine()
  const server = await startBombServer(gzipOfZeros(2048 * MiB))
  try {
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const s = await connectTo(portOf(proxy.listen))
    const answered = new Promise<void>((resolve) => s.on('end', () => resolve()).resume())
    s.write('GET /bomb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    await answered
    s.end()
    await closedConnections(t.engine, 1)
  } finally {
    await server.close()
  }
  // Closing the engine completes the file (its index stored), as a CLI proxy leaves it.
  await t.engine.close()
})
afterAll(() => t?.dispose())

/** Runs the CLI with a preload that writes its peak RSS (KiB, getrusage) to a file as it exits. */
async function exportHar(extra: string[]): Promise<{ code: number | null; stderr: string; har: Har; fileSize: number; peakKiB: number }> {
  const preload = join(t.dir, 'peak-rss.cjs')
  const rssFile = join(t.dir, `rss-${extra.join('')}.txt`)
  await writeFile(preload, "process.on('exit', () => require('node:fs').writeFileSync(process.env.PEAK_RSS_FILE, String(process.resourceUsage().maxRSS)))\n")
  const out = join(t.dir, `bomb-${extra.join('')}.har`)
  const r = await runCli(['export', t.capturePath, '--format', 'har', '-o', out, ...extra], undefined, { NODE_OPTIONS: `--require ${preload}`, PEAK_RSS_FILE: rssFile })
  return {
    code: r.code,
    stderr: r.stderr,
    har: JSON.parse(await readFile(out, 'utf8')) as Har,
    fileSize: (await stat(out)).size,
    peakKiB: Number(await readFile(rssFile, 'utf8'))
  }
}

describe('tcpscope export --format har on a decompression bomb', () => {
  it('finishes with a bounded file that says why the body was cut, in far less than 1 GiB of memory', async () => {
    const r = await exportHar([])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    await expect(validateHar(r.har)).resolves.toBeDefined()
    const [entry] = r.har.log.entries
    expect(entry.comment).toMatch(/^response body cut short: stopped decoding at 1\.\d+ MiB: it expands over \d+:1 \(gzip 2\.03 MiB\), past the 100:1 allowed; showing the first 1\.\d+ MiB$/)
    expect(entry.response.content.text!.length).toBeLessThan(2 * MiB)
    expect(r.fileSize).toBeLessThan(DEFAULT_BODY_LIMIT)
    expect(r.peakKiB * 1024).toBeGreaterThan(0)
    expect(r.peakKiB * 1024).toBeLessThan(1024 * MiB)
  })

  it('cuts at --body-limit when that comes first', async () => {
    const r = await exportHar(['--body-limit', '256KiB'])
    expect(r.code).toBe(0)
    await expect(validateHar(r.har)).resolves.toBeDefined()
    const [entry] = r.har.log.entries
    expect(entry.comment).toMatch(/^response body cut short: decoded 256 KiB of more than 256 KiB \(gzip 2\.03 MiB, ratio over \d+:1\); showing the first 256 KiB$/)
    expect(entry.response.content.text).toBe('\u0000'.repeat(256 * 1024))
    expect(entry.response.content.size).toBeGreaterThan(256 * 1024)
    // Six characters of JSON a NUL, and the rest of the entry.
    expect(r.fileSize).toBeLessThan(6 * 256 * 1024 + 64 * 1024)
    expect(r.peakKiB * 1024).toBeLessThan(1024 * MiB)
  })

  it('says what is wrong with a --body-limit, in one line', async () => {
    for (const [args, message] of [
      [['--format', 'har', '--body-limit', 'lots'], /^tcpscope: export: --body-limit wants a size from 1 B to 4\.00 GiB, e\.g\. 8MiB or 512KiB; got "lots"$/],
      [['--format', 'har', '--body-limit', '0'], /--body-limit wants a size/],
      [['--format', 'pcapng', '--body-limit', '8MiB'], /^tcpscope: export: --body-limit is for --format har \(and jsonl --messages\)$/]
    ] as const) {
      const r = await runCli(['export', t.capturePath, ...args])
      expect(r.code).not.toBe(0)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr.trim()).toMatch(message)
    }
  })

  it('names --body-limit in its help', async () => {
    const r = await runCli(['export', '--help'])
    expect(r.stdout).toMatch(/--body-limit SIZE/)
    expect(r.stdout).toMatch(/default 64\.0 MiB/)
  })
})
