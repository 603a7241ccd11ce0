// What a new user tries first: `tcpscope COMMAND --help` and `tcpscope --version` answer
// on stdout and exit 0, and a command's usage line names every option it accepts.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { runCli } from '../helpers/cli'

const COMMANDS = ['proxy', 'serve', 'connect', 'ls', 'show', 'export', 'replay', 'ca', 'env', 'up', 'web']
const VERSION = (JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as { version: string }).version

/**
 * Each command's `--help`, run once for the file: the tests below read the same outputs, and
 * each run is a process (on CI's loaded machine-Node pass, eleven more took one test to 46 s
 * of its 60).
 */
const helps = new Map<string, ReturnType<typeof runCli>>()
const helpOf = (command: string): ReturnType<typeof runCli> => {
  let h = helps.get(command)
  if (h === undefined) {
    h = runCli([command, '--help'])
    helps.set(command, h)
  }
  return h
}

/** The help's usage block (the lines from `usage:` to the first blank one) and the options it lists. */
function sections(help: string): { usage: string; options: string[] } {
  const lines = help.split('\n')
  const start = lines.findIndex((l) => l.startsWith('usage: '))
  const end = lines.indexOf('', start)
  const usage = lines.slice(start, end).join(' ')
  const from = lines.indexOf('options:')
  const options = lines
    .slice(from + 1)
    .map((l) => /^ {2}(?:-\w, )?(--[\w-]+)/.exec(l)?.[1])
    .filter((o): o is string => o !== undefined)
  return { usage, options }
}

describe('tcpscope --help and --version', () => {
  it.each(COMMANDS)('%s --help and -h print its usage and every option, exit 0', async (command) => {
    const long = await helpOf(command)
    expect(long.code).toBe(0)
    expect(long.stderr).toBe('')
    expect(long.stdout).toMatch(new RegExp(`^tcpscope ${command}: `))
    const { usage, options } = sections(long.stdout)
    expect(usage).toMatch(new RegExp(`^usage: tcpscope ${command} `))
    expect(options.length).toBeGreaterThan(0)
    for (const option of options.filter((o) => o !== '--help')) expect(usage, option).toContain(option)
    expect(options).toContain('--help')
    const short = await runCli([command, '-h'])
    expect(short).toEqual(long)
    expect(await runCli(['help', command])).toEqual(long)
  })

  it('every option the guide and the issue name is in its usage line', async () => {
    const expected: Record<string, string[]> = {
      proxy: ['--listen', '--target', '--capture', '--force', '--json', '--quiet', '--connect-timeout', '--checksum-payloads', '--when-disk-is-slow'],
      serve: ['--listen', '--echo', '--reply', '--encoding', '--quiet', '--json', '--hex', '--max-bytes', '--pause-on-connect', '--capture', '--force', '--eol', '--checksum', '--tls', '--tls-name', '--cert', '--key', '--alpn'],
      connect: ['--send', '--send-hex', '--send-file', '--encoding', '--expect', '--timeout', '--hex', '--capture', '--force', '--json', '--keepalive', '--tls', '--ca', '--insecure', '--sni', '--alpn', '--client-cert', '--client-key'],
      replay: ['--tls', '--no-tls', '--insecure', '--upstream-ca', '--sni', '--client-cert', '--client-key'],
      ls: ['--json'],
      show: ['--conn', '--exchange', '--filter', '--body-limit', '--json'],
      export: ['--conn', '--direction', '--format', '-o', '--force'],
      ca: ['--export', '--format', '--path', '--regenerate', '--force'],
      env: ['--proxy', '--shell'],
      up: ['--keep-going', '--capture', '--force', '--when-disk-is-slow', '--json', '--quiet'],
      web: ['--restore', '--listen', '--toxiproxy-api', '--when-disk-is-slow']
    }
    for (const [command, options] of Object.entries(expected)) {
      const { usage } = sections((await helpOf(command)).stdout)
      for (const o of options) expect(usage, `${command} ${o}`).toContain(o)
    }
  })

  it('--help wins over the other arguments, even a bad one', async () => {
    const r = await runCli(['serve', '--listen', '0', '--no-such-option', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^tcpscope serve: /)
  })

  it('--version and -V print the version from package.json', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag])
      expect(r).toMatchObject({ code: 0, stdout: `tcpscope ${VERSION}\n`, stderr: '' })
    }
  })

  it('a usage error points at the command help', async () => {
    const r = await runCli(['serve', '--listen', '0', '--bogus'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe("tcpscope: serve: unknown option '--bogus' (see `tcpscope serve --help`)\n")
  })
})
