// The tcpscope CLI: dispatches to a command; every failure is one line on stderr and a
// non-zero exit code (2 for usage errors, 1 for everything else).

import { ValidationError } from '../shared/schema'
import { PayloadError } from '../shared/payload/parse-hex'
import { NotACaptureError } from '../core/capture/format'
import { UnknownConnectionError } from '../core/capture/capture-reader'
import { UserError } from '../core/net/net-errors'
import { UsageError } from './args'
import { EXPORT_USAGE, exportCommand } from './commands/export'
import { LS_USAGE, lsCommand } from './commands/ls'
import { PROXY_USAGE, proxyCommand } from './commands/proxy'
import { SERVE_USAGE, serveCommand } from './commands/serve'
import { CONNECT_USAGE, connectCommand } from './commands/connect'
import { WEB_USAGE, webCommand } from './commands/web'
import { processIo, watchOutput, type Io } from './output'

type Command = (argv: string[], io: Io) => Promise<number>

const COMMANDS: Record<string, { run: Command; usage: string; about: string }> = {
  proxy: { run: proxyCommand, usage: PROXY_USAGE, about: 'forward a local port to a target and record every byte' },
  serve: { run: serveCommand, usage: SERVE_USAGE, about: 'open a TCP server by hand: see what connects, answer by echo, rules, HTTP or a timer' },
  connect: { run: connectCommand, usage: CONNECT_USAGE, about: 'open a TCP client by hand: send text, hex or a file and print the reply' },
  ls: { run: lsCommand, usage: LS_USAGE, about: 'list the connections in a capture file' },
  export: { run: exportCommand, usage: EXPORT_USAGE, about: 'write one direction of a connection (raw, hex) or its events (jsonl)' },
  web: { run: webCommand, usage: WEB_USAGE, about: 'the UI in a browser: the engine served over a WebSocket, behind a token' }
}

function help(): string {
  const lines = ['usage: tcpscope <command> [options]', '', 'commands:']
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(8)} ${c.about}`, `           ${c.usage}`)
  return lines.join('\n')
}

const isUserFacing = (err: unknown): err is Error =>
  err instanceof UserError ||
  err instanceof UsageError ||
  err instanceof ValidationError ||
  err instanceof NotACaptureError ||
  err instanceof UnknownConnectionError ||
  err instanceof PayloadError

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  watchOutput(io.out)
  const [name, ...rest] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out.write(help() + '\n')
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS[name]
  if (!command) {
    io.err.write(`tcpscope: unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')} (see \`tcpscope help\`)\n`)
    return 2
  }
  try {
    return await command.run(rest, io)
  } catch (err) {
    if (isUserFacing(err)) {
      io.err.write(`tcpscope: ${err.message}\n`)
      return err instanceof UsageError ? 2 : 1
    }
    const e = err as NodeJS.ErrnoException
    io.err.write(`tcpscope: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`)
    return 1
  }
}
