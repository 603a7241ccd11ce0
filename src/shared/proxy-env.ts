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
  /**
   * tcpscope's CA and the system's roots in one file (`ca.bundle`), for the variables that
   * replace a program's roots; without it they name the CA alone.
   */
  bundlePath?: string
  /** NO_PROXY (and no_proxy): the hosts that skip the proxy; not set when not given. */
  noProxy?: string
}

/** A variable and its value, in the order they are printed. */
export type EnvVar = [name: string, value: string]

/** The variables that replace a program's roots (OpenSSL's, Python requests', curl's, git's). */
export const ROOTS_VARIABLES = ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO'] as const

/**
 * What to set. The variables that replace a program's roots (ROOTS_VARIABLES) name the
 * bundle when there is one: named the CA alone, a connection that does not go through the
 * intercepting proxy (NO_PROXY, a pass-through host) could not be verified. NODE_EXTRA_CA_CERTS
 * adds to Node's roots, so it names the CA alone.
 */
export function proxyEnvVars(target: ProxyEnvTarget, shell: ShellName): EnvVar[] {
  const http = `http://${target.proxy}`
  const socks = `socks5h://${target.proxy}`
  // Windows' variables ignore case: the lower-case twins would only set the same ones again.
  const lower = shell !== 'powershell' && shell !== 'cmd'
  const proxies: EnvVar[] = [
    ['HTTP_PROXY', http],
    ['HTTPS_PROXY', http],
    ['ALL_PROXY', socks],
    ...(target.noProxy !== undefined ? [['NO_PROXY', target.noProxy] satisfies EnvVar] : [])
  ]
  const vars = lower ? proxies.flatMap(([name, value]): EnvVar[] => [[name, value], [name.toLowerCase(), value]]) : proxies
  const roots = target.bundlePath ?? target.caPath
  for (const name of ['SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO']) vars.push([name, (ROOTS_VARIABLES as readonly string[]).includes(name) ? roots : target.caPath])
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

/** A comment line of `shell`'s: said, and skipped when the lines are run. */
export const commentLine = (shell: ShellName, text: string): string => `${COMMENT[shell]} ${text}`

/** The lines to paste (or eval) in `shell`: a comment saying what they do, then one line per variable. */
export function proxyEnv(shell: ShellName, target: ProxyEnvTarget): string[] {
  return [commentLine(shell, `tcpscope: send this shell's programs through ${target.proxy} and trust tcpscope's CA`), ...proxyEnvVars(target, shell).map((v) => setLine(shell, v))]
}

/** The shell a `$SHELL` (or ComSpec, on Windows) names, if it is one of SHELLS. */
export function shellFromPath(path: string | undefined): ShellName | undefined {
  if (path === undefined) return undefined
  const base = path.replace(/^.*[\\/]/, '').toLowerCase().replace(/\.exe$/, '')
  if (base === 'pwsh') return 'powershell'
  return (SHELLS as readonly string[]).includes(base) ? (base as ShellName) : undefined
}
