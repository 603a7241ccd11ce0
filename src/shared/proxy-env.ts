// The lines that point a terminal's programs at tcpscope's forward proxy and make them trust
// its CA, for each shell people use: what `tcpscope env` prints and the UI's Terminal dialog
// shows, from this one function.

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell', 'cmd'] as const
export type ShellName = (typeof SHELLS)[number]

export interface ProxyEnvTarget {
  /** The forward proxy, `HOST:PORT` (`[::1]:8080` for IPv6). */
  proxy: string
  /** tcpscope's CA certificate (PEM). */
  caPath: string
}

/** A variable and its value, in the order they are printed. */
export type EnvVar = [name: string, value: string]

/**
 * What to set. The CA variables name tcpscope's CA alone: most replace the system's roots
 * (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, GIT_SSL_CAINFO), which is right while
 * every TLS connection goes through the intercepting proxy and is signed by that CA;
 * NODE_EXTRA_CA_CERTS adds to Node's roots.
 */
export function proxyEnvVars(target: ProxyEnvTarget, shell: ShellName): EnvVar[] {
  const http = `http://${target.proxy}`
  const socks = `socks5h://${target.proxy}`
  // Windows' variables ignore case: the lower-case twins would only set the same ones again.
  const lower = shell !== 'powershell' && shell !== 'cmd'
  const proxies: EnvVar[] = [
    ['HTTP_PROXY', http],
    ['HTTPS_PROXY', http],
    ['ALL_PROXY', socks]
  ]
  const vars = lower ? proxies.flatMap(([name, value]): EnvVar[] => [[name, value], [name.toLowerCase(), value]]) : proxies
  for (const name of ['SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO']) vars.push([name, target.caPath])
  return vars
}

/** `v` as one word of a POSIX shell: single quotes, a quote inside closed and escaped. */
export const posixQuote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`
const fishQuote = (v: string): string => `'${v.replace(/[\\']/g, (c) => `\\${c}`)}'`
const powershellQuote = (v: string): string => `'${v.replace(/'/g, "''")}'`

/** One line setting `name` to `value` in `shell`, quoted so any value arrives as it is. */
export function setLine(shell: ShellName, [name, value]: EnvVar): string {
  switch (shell) {
    case 'bash':
    case 'zsh':
      return `export ${name}=${posixQuote(value)}`
    case 'fish':
      return `set -gx ${name} ${fishQuote(value)}`
    case 'powershell':
      return `$env:${name} = ${powershellQuote(value)}`
    case 'cmd':
      // The quotes around NAME=VALUE keep & | < > literal; cmd has no quoting for %, which
      // a proxy address or a data-folder path does not hold in practice.
      return `set "${name}=${value}"`
  }
}

const COMMENT: Record<ShellName, string> = { bash: '#', zsh: '#', fish: '#', powershell: '#', cmd: 'rem' }

/** The lines to paste (or eval) in `shell`: a comment saying what they do, then one line per variable. */
export function proxyEnv(shell: ShellName, target: ProxyEnvTarget): string[] {
  return [`${COMMENT[shell]} tcpscope: send this shell's programs through ${target.proxy} and trust tcpscope's CA`, ...proxyEnvVars(target, shell).map((v) => setLine(shell, v))]
}

/** The shell a `$SHELL` (or ComSpec, on Windows) names, if it is one of SHELLS. */
export function shellFromPath(path: string | undefined): ShellName | undefined {
  if (path === undefined) return undefined
  const base = path.replace(/^.*[\\/]/, '').toLowerCase().replace(/\.exe$/, '')
  if (base === 'pwsh') return 'powershell'
  return (SHELLS as readonly string[]).includes(base) ? (base as ShellName) : undefined
}
