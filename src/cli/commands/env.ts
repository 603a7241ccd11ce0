// `tcpscope env`: the lines that send a terminal's programs through tcpscope's forward proxy
// and make them trust its CA (shared/proxy-env.ts, as the UI's Terminal dialog shows them).

import { EndpointError, formatEndpoint, parseEndpoint } from '../../shared/endpoint'
import { proxyEnv, shellFromPath, SHELLS, type ShellName } from '../../shared/proxy-env'
import { oneOfFlag, UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { startEngine } from '../engine-run'
import { EXIT } from '../exit-codes'
import { writeAll, type Io } from '../output'

const ENV_USAGE = `tcpscope env [--proxy [HOST:]PORT] [--shell ${SHELLS.join('|')}]`

/** Where `tcpscope proxy --listen 8080 --forward` listens. */
export const DEFAULT_FORWARD_PROXY = '127.0.0.1:8080'

const OPTIONS = {
  proxy: {
    type: 'string',
    arg: '[HOST:]PORT',
    about: `the forward proxy to send traffic through, as given to \`tcpscope proxy --forward --listen\` (default ${DEFAULT_FORWARD_PROXY}; a port alone means 127.0.0.1:PORT)`
  },
  shell: { type: 'string', arg: SHELLS.join('|'), about: "the shell to write the lines for (default: $SHELL's, powershell on Windows, else bash)" }
} as const satisfies OptionTable

const NOTES = [
  'Sets HTTP_PROXY, HTTPS_PROXY (and their lower-case twins outside Windows), ALL_PROXY=socks5h://..., and points SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and GIT_SSL_CAINFO at tcpscope\'s CA certificate (made on first use).',
  'Use: bash/zsh `eval "$(tcpscope env)"`; fish `tcpscope env --shell fish | source`; PowerShell `tcpscope env --shell powershell | Out-String | Invoke-Expression`; cmd: paste the lines. Start the proxy first: `tcpscope proxy --listen 8080 --forward`.'
]

function defaultShell(env: NodeJS.ProcessEnv = process.env): ShellName {
  if (process.platform === 'win32') return 'powershell'
  return shellFromPath(env.SHELL) ?? 'bash'
}

function proxyAddress(value: string | undefined): string {
  if (value === undefined) return DEFAULT_FORWARD_PROXY
  try {
    const e = parseEndpoint(value, '127.0.0.1')
    if (e.kind === 'unix') throw new UsageError(`env: --proxy wants [HOST:]PORT, not a socket path: programs reach a proxy over TCP`)
    if (e.port === 0) throw new UsageError('env: --proxy wants the port the proxy listens on, not 0')
    return formatEndpoint(e)
  } catch (err) {
    if (err instanceof EndpointError) throw new UsageError(`env: --proxy: ${err.message}`)
    throw err
  }
}

async function runEnv({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`env: unexpected argument "${positionals[0]}"; usage: ${ENV_USAGE}`)
  const shell = oneOfFlag('env', values.shell, '--shell', SHELLS) ?? defaultShell()
  const proxy = proxyAddress(values.proxy)
  const run = await startEngine({ readsFiles: true })
  try {
    const { certPath } = await run.engine['ca.info']()
    await writeAll(io.out, proxyEnv(shell, { proxy, caPath: certPath }).join('\n') + '\n')
    return EXIT.ok
  } finally {
    await run.finish()
  }
}

export const envCommand = defineCommand({
  name: 'env',
  about: "print the shell lines that send a terminal's programs through tcpscope's forward proxy, trusting its CA",
  usage: ENV_USAGE,
  options: OPTIONS,
  notes: NOTES,
  examples: [
    { line: 'eval "$(tcpscope env --proxy 8080)"', about: 'In bash or zsh: send this terminal\'s programs through the forward proxy on port 8080, trusting the CA.' },
    { line: 'tcpscope env --shell fish | source', about: 'The same in fish.' }
  ],
  run: runEnv
})
