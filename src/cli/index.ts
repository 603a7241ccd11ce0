// The tcpscope CLI: dispatches to a command; every failure is one line on stderr and a
// non-zero exit code (2 for usage errors, 1 for most others; see exit-codes.ts).

import { version } from '../../package.json'
import { ValidationError } from '../shared/schema'
import { PayloadError } from '../shared/payload/parse-hex'
import { UserError } from '../shared/errors'
import { UsageError } from './args'
import type { Command } from './command-spec'
import { EXIT, ExitError } from './exit-codes'
import { wrapUsage } from './help-text'
import { cliReference } from './cli-reference'
import { processIo, watchOutput, type Io } from './output'
import { keepYoungGenerationSmall } from '../core/v8-flags'
import { enableCompileCache } from './compile-cache'

/**
 * Each command's module, loaded when that command runs: the CLI's one bundle of every
 * command (the engine, the web server, replay, TLS, ...) took `tcpscope ls` about 100 ms
 * to load before it read a byte (issue 46). Literal paths, one chunk each (vite.cli.config.ts);
 * in help's order, which command-list.ts's COMMAND_LIST keeps too (test/cli/cli-reference.test.ts).
 */
export const COMMAND_LOADERS: Record<string, () => Promise<Command>> = {
  proxy: async () => (await import('./commands/proxy')).proxyCommand,
  serve: async () => (await import('./commands/serve')).serveCommand,
  connect: async () => (await import('./commands/connect')).connectCommand,
  ls: async () => (await import('./commands/ls')).lsCommand,
  show: async () => (await import('./commands/show')).showCommand,
  export: async () => (await import('./commands/export')).exportCommand,
  replay: async () => (await import('./commands/replay')).replayCommand,
  web: async () => (await import('./commands/web')).webCommand,
  up: async () => (await import('./commands/up')).upCommand,
  toxiproxy: async () => (await import('./commands/toxiproxy')).toxiproxyCommand,
  rules: async () => (await import('./commands/rules')).rulesCommand,
  browser: async () => (await import('./commands/browser')).browserCommand,
  run: async () => (await import('./commands/run')).runCommand,
  ca: async () => (await import('./commands/ca')).caCommand,
  env: async () => (await import('./commands/env')).envCommand
}

/**
 * The commands that forward traffic for as long as they run: their process keeps V8's young
 * generation small (v8-flags.ts says why), set before their module loads the engine. The
 * others read a capture and end (show, export, ls), allocating far more garbage a second than
 * forwarding does, and kept small it cost them: `export --format har` of 100,000 exchanges
 * scavenged 10,132 times for 6.1 s of its 30.9 s (24.4 s with a 16 MiB young generation).
 */
export const FORWARDING_COMMANDS: ReadonlySet<string> = new Set(['proxy', 'serve', 'connect', 'web', 'up', 'toxiproxy', 'browser', 'run'])

const allCommands = async (): Promise<readonly Command[]> => (await import('./command-list')).COMMAND_LIST

function help(commands: readonly Command[]): string {
  const lines = ['usage: tcpscope <command> [options]', '', 'commands:']
  for (const c of commands) lines.push(`  ${c.name.padEnd(8)} ${c.about}`, ...wrapUsage(c.usage, '           '), '')
  lines.push('`tcpscope COMMAND --help` describes each option; `tcpscope help --markdown` prints the whole reference (docs/cli.md); `tcpscope --version` prints the version.')
  return lines.join('\n')
}

/** A user error of the engine's (a file that is not a capture, a connection it does not have, ...) is one of these too. */
const isUserFacing = (err: unknown): err is Error =>
  err instanceof UserError || err instanceof UsageError || err instanceof ExitError || err instanceof ValidationError || err instanceof PayloadError

/** How bin/tcpscope.js runs a command: `compileCache`, the folder of V8's compile cache, if any. */
export interface MainOptions {
  compileCache?: string
}

export async function main(argv: string[], io: Io = processIo(), opts: MainOptions = {}): Promise<number> {
  watchOutput(io.out)
  const [name, ...rest] = argv
  // Before the command's module (and the engine with it) loads: loading alone grew it twice.
  if (name !== undefined && FORWARDING_COMMANDS.has(name)) keepYoungGenerationSmall()
  // After the flags, so that the cache's entries are this flag set's (compile-cache.ts).
  enableCompileCache(opts.compileCache)
  if (name === '--version' || name === '-V') {
    io.out.write(`tcpscope ${version}\n`)
    return EXIT.ok
  }
  if (name === 'help' && rest.length === 1 && rest[0] === '--markdown') {
    io.out.write(cliReference([...(await allCommands())]))
    return EXIT.ok
  }
  if (name === 'help' && rest.length > 0 && Object.hasOwn(COMMAND_LOADERS, rest[0])) {
    io.out.write((await COMMAND_LOADERS[rest[0]]()).help() + '\n')
    return EXIT.ok
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out.write(help(await allCommands()) + '\n')
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  if (!Object.hasOwn(COMMAND_LOADERS, name)) {
    io.err.write(`tcpscope: unknown command "${name}"; commands: ${Object.keys(COMMAND_LOADERS).join(', ')} (see \`tcpscope help\`)\n`)
    return EXIT.usage
  }
  try {
    const command = await COMMAND_LOADERS[name]()
    return await command.run(rest, io)
  } catch (err) {
    if (isUserFacing(err)) {
      io.err.write(`tcpscope: ${err.message}\n`)
      return err instanceof UsageError ? EXIT.usage : err instanceof ExitError ? err.exitCode : EXIT.failed
    }
    const e = err as NodeJS.ErrnoException
    io.err.write(`tcpscope: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`)
    return EXIT.failed
  }
}
