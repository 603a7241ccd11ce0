// The tcpscope CLI: dispatches to a command; every failure is one line on stderr and a
// non-zero exit code (2 for usage errors, 1 for most others; see exit-codes.ts).

import { version } from '../../package.json'
import { ValidationError } from '../shared/schema'
import { PayloadError } from '../shared/payload/parse-hex'
import { UserError } from '../shared/errors'
import { UsageError } from './args'
import type { Command } from './command-spec'
import { exportCommand } from './commands/export'
import { lsCommand } from './commands/ls'
import { showCommand } from './commands/show'
import { proxyCommand } from './commands/proxy'
import { serveCommand } from './commands/serve'
import { connectCommand } from './commands/connect'
import { webCommand } from './commands/web'
import { replayCommand } from './commands/replay'
import { browserCommand } from './commands/browser'
import { caCommand } from './commands/ca'
import { envCommand } from './commands/env'
import { toxiproxyCommand } from './commands/toxiproxy'
import { upCommand } from './commands/up'
import { rulesCommand } from './commands/rules'
import { runCommand } from './commands/run'
import { EXIT, ExitError } from './exit-codes'
import { wrapUsage } from './help-text'
import { cliReference } from './cli-reference'
import { processIo, watchOutput, type Io } from './output'

/** Every command, in the order help and the reference list them. */
export const COMMAND_LIST: readonly Command[] = [proxyCommand, serveCommand, connectCommand, lsCommand, showCommand, exportCommand, replayCommand, webCommand, upCommand, toxiproxyCommand, rulesCommand, browserCommand, runCommand, caCommand, envCommand]

const COMMANDS: Record<string, Command> = Object.fromEntries(COMMAND_LIST.map((c) => [c.name, c]))

function help(): string {
  const lines = ['usage: tcpscope <command> [options]', '', 'commands:']
  for (const c of Object.values(COMMANDS)) lines.push(`  ${c.name.padEnd(8)} ${c.about}`, ...wrapUsage(c.usage, '           '), '')
  lines.push('`tcpscope COMMAND --help` describes each option; `tcpscope help --markdown` prints the whole reference (docs/cli.md); `tcpscope --version` prints the version.')
  return lines.join('\n')
}

/** A user error of the engine's (a file that is not a capture, a connection it does not have, ...) is one of these too. */
const isUserFacing = (err: unknown): err is Error =>
  err instanceof UserError || err instanceof UsageError || err instanceof ExitError || err instanceof ValidationError || err instanceof PayloadError

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  watchOutput(io.out)
  const [name, ...rest] = argv
  if (name === '--version' || name === '-V') {
    io.out.write(`tcpscope ${version}\n`)
    return EXIT.ok
  }
  if (name === 'help' && rest.length === 1 && rest[0] === '--markdown') {
    io.out.write(cliReference([...COMMAND_LIST]))
    return EXIT.ok
  }
  if (name === 'help' && rest.length > 0 && COMMANDS[rest[0]]) {
    io.out.write(COMMANDS[rest[0]].help() + '\n')
    return EXIT.ok
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out.write(help() + '\n')
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  const command = COMMANDS[name]
  if (!command) {
    io.err.write(`tcpscope: unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')} (see \`tcpscope help\`)\n`)
    return EXIT.usage
  }
  try {
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
