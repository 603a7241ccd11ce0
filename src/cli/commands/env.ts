// `tcpscope env`: the lines that send a terminal's programs through tcpscope's forward proxy
// and make them trust its CA (shared/proxy-env.ts, as the UI's Terminal dialog shows them).
// The variables that replace a program's roots name a bundle of the system's roots and the CA
// (ca.bundle), so what goes around the proxy is still verified. NO_PROXY is left as the shell
// has it unless --no-proxy says otherwise: tcpscope is used to watch local servers as much as
// remote ones (a dev server on localhost, a container's port), so loopback going around the
// proxy by default would make exactly that traffic vanish from the capture without a word;
// going through it, it works as before and is recorded. A comment line says how to keep it out.

import { EndpointError, formatEndpoint, parseEndpoint } from '../../shared/endpoint'
import { commentLine, proxyEnv, ROOTS_VARIABLES, shellFromPath, SHELLS, type ShellName } from '../../shared/proxy-env'
import { oneOfFlag, UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { startEngine } from '../engine-run'
import { EXIT } from '../exit-codes'
import { writeAll, type Io } from '../output'

const ENV_USAGE = `tcpscope env [--proxy [HOST:]PORT] [--shell ${SHELLS.join('|')}] [--no-proxy LIST]`

/** Where `tcpscope proxy --listen 8080 --forward` listens. */
export const DEFAULT_FORWARD_PROXY = '127.0.0.1:8080'

/** What --no-proxy is given to keep loopback out of the proxy. */
const LOOPBACK = 'localhost,127.0.0.1,::1'

const OPTIONS = {
  proxy: {
    type: 'string',
    arg: '[HOST:]PORT',
    about: `the forward proxy to send traffic through, as given to \`tcpscope proxy --forward --listen\` (default ${DEFAULT_FORWARD_PROXY}; a port alone means 127.0.0.1:PORT)`
  },
  shell: { type: 'string', arg: SHELLS.join('|'), about: "the shell to write the lines for (default: $SHELL's, powershell on Windows, else bash)" },
  'no-proxy': {
    type: 'string',
    arg: 'LIST',
    about: `set NO_PROXY (and no_proxy) to these comma-separated hosts, .domains and addresses, which then skip the proxy and are not captured, e.g. ${LOOPBACK} ('' clears the shell's own); default: NO_PROXY is left as it is, so localhost goes through the proxy and is captured`
  }
} as const satisfies OptionTable

const NOTES = [
  "Sets HTTP_PROXY, HTTPS_PROXY (and their lower-case twins outside Windows), ALL_PROXY=socks5h://..., points NODE_EXTRA_CA_CERTS (which adds to Node's roots) at tcpscope's CA certificate (made on first use), and SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and GIT_SSL_CAINFO (which replace a program's roots) at a bundle of tcpscope's CA and the system's roots, written in tcpscope's data folder (ca/tcpscope-trust-bundle.pem; the roots from $SSL_CERT_FILE when it names a file of its own, else the system's bundle such as /etc/ssl/certs/ca-certificates.crt, else the system's store): HTTPS that goes around the proxy (NO_PROXY, a --pass-through host) is still verified. A comment line says where the roots came from.",
  "NO_PROXY: loopback goes through the proxy unless --no-proxy says otherwise, since local servers are what tcpscope is often pointed at (a comment line says so, with the line to keep it out); a NO_PROXY the shell already has is left as it is, and said.",
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

/** --no-proxy's hosts, comma-separated as clients read them; '' stays '' (it clears the shell's). */
function noProxyList(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const hosts = value
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '')
  // What clients take there (names, .domains, *, IPv4/IPv6 addresses and CIDR ranges, a :port);
  // nothing cmd would read as its own (%, quotes).
  const bad = hosts.find((h) => !/^[A-Za-z0-9._:*[\]/-]+$/.test(h))
  if (bad !== undefined) throw new UsageError(`env: --no-proxy: "${bad}" is no host, .domain or address; give them comma-separated, e.g. --no-proxy ${LOOPBACK}`)
  return hosts.join(',')
}

/** What becomes of loopback and of the shell's own NO_PROXY, said as a comment. */
function noProxyNote(noProxy: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (noProxy !== undefined) return undefined
  const own = env.NO_PROXY || env.no_proxy
  if (own) return `tcpscope: this shell's NO_PROXY (${own}) still sends those hosts around the proxy, not captured; --no-proxy '' clears it`
  return `tcpscope: localhost and 127.0.0.1 go through the proxy too, so local servers are captured; to keep them out, add --no-proxy ${LOOPBACK} to tcpscope env`
}

async function runEnv({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`env: unexpected argument "${positionals[0]}"; usage: ${ENV_USAGE}`)
  const shell = oneOfFlag('env', values.shell, '--shell', SHELLS) ?? defaultShell()
  const proxy = proxyAddress(values.proxy)
  const noProxy = noProxyList(values['no-proxy'])
  const run = await startEngine({ readsFiles: true })
  try {
    const { certPath } = await run.engine['ca.info']()
    const bundle = await run.engine['ca.bundle']()
    const [head, ...sets] = proxyEnv(shell, { proxy, caPath: certPath, bundlePath: bundle.path, ...(noProxy !== undefined ? { noProxy } : {}) })
    const notes = [`tcpscope: ${ROOTS_VARIABLES.join(', ')} name tcpscope's CA and ${bundle.roots} root${bundle.roots === 1 ? '' : 's'} from ${bundle.from}`, noProxyNote(noProxy, process.env)]
    const lines = [head, ...notes.flatMap((n) => (n !== undefined ? [commentLine(shell, n)] : [])), ...sets]
    await writeAll(io.out, lines.join('\n') + '\n')
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
    { line: 'tcpscope env --shell fish | source', about: 'The same in fish.' },
    { line: `eval "$(tcpscope env --proxy 8080 --no-proxy ${LOOPBACK})"`, about: 'The same, with localhost and the loopback addresses going around the proxy, not captured.' }
  ],
  run: runEnv
})
