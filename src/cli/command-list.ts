// Every command, in the order help and the reference list them: loaded whole only by what
// lists them all (`tcpscope help`, `help --markdown`, docs/cli.md's test). Running one
// command loads that command's module alone (index.ts).

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

export const COMMAND_LIST: readonly Command[] = [proxyCommand, serveCommand, connectCommand, lsCommand, showCommand, exportCommand, replayCommand, webCommand, upCommand, toxiproxyCommand, rulesCommand, browserCommand, runCommand, caCommand, envCommand]
