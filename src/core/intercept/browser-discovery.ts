// Where the browsers tcpscope can start intercepted live on this machine: each one's
// executable names on PATH, then its usual install paths for the OS. Also finds NSS's
// certutil, without which a Firefox profile cannot be made to trust tcpscope's CA.

import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { homedir } from 'node:os'
import { posix, win32 } from 'node:path'
import { BROWSERS, type BrowserName } from '../../shared/tls-args'
import type { BrowserInfo } from '../../shared/intercept-types'

/** What discovery looks at: the OS, its environment, and whether a file can be run. */
export interface BrowserHost {
  platform: NodeJS.Platform
  env: NodeJS.ProcessEnv
  home: string
  isExecutable(path: string): Promise<boolean>
}

export const currentHost = (): BrowserHost => ({
  platform: process.platform,
  env: process.env,
  home: homedir(),
  isExecutable: async (path) => {
    try {
      // Windows has no execute bit: a file that is there will do.
      await access(path, process.platform === 'win32' ? constants.F_OK : constants.X_OK)
      return true
    } catch {
      return false
    }
  }
})

/** Executable names looked up on PATH, per browser (Windows adds `.exe`). */
const PATH_NAMES: Record<BrowserName, { unix: string[]; win: string[] }> = {
  chromium: { unix: ['chromium', 'chromium-browser'], win: ['chromium.exe'] },
  chrome: { unix: ['google-chrome', 'google-chrome-stable'], win: ['chrome.exe'] },
  edge: { unix: ['microsoft-edge', 'microsoft-edge-stable'], win: ['msedge.exe'] },
  firefox: { unix: ['firefox', 'firefox-esr'], win: ['firefox.exe'] }
}

const LINUX_PATHS: Record<BrowserName, string[]> = {
  chromium: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium'],
  chrome: ['/opt/google/chrome/chrome'],
  edge: ['/opt/microsoft/msedge/msedge'],
  firefox: ['/usr/lib/firefox/firefox', '/usr/lib/firefox-esr/firefox-esr', '/snap/bin/firefox']
}

/** Inside an Applications folder. */
const MAC_APPS: Record<BrowserName, string> = {
  chromium: 'Chromium.app/Contents/MacOS/Chromium',
  chrome: 'Google Chrome.app/Contents/MacOS/Google Chrome',
  edge: 'Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
  firefox: 'Firefox.app/Contents/MacOS/firefox'
}

/** Under Program Files (both) and the user's LocalAppData (per-user installs). */
const WINDOWS_APPS: Record<BrowserName, string> = {
  chromium: 'Chromium\\Application\\chrome.exe',
  chrome: 'Google\\Chrome\\Application\\chrome.exe',
  edge: 'Microsoft\\Edge\\Application\\msedge.exe',
  firefox: 'Mozilla Firefox\\firefox.exe'
}

function onPath(names: string[], host: BrowserHost): string[] {
  const win = host.platform === 'win32'
  const dirs = (host.env.PATH ?? host.env.Path ?? '').split(win ? ';' : ':').filter((d) => d !== '')
  const join = win ? win32.join : posix.join
  return dirs.flatMap((dir) => names.map((name) => join(dir, name)))
}

/** Every place `name` may be, most likely first: PATH, then where installers put it. */
export function candidatePaths(name: BrowserName, host: BrowserHost): string[] {
  const win = host.platform === 'win32'
  const found = onPath(win ? PATH_NAMES[name].win : PATH_NAMES[name].unix, host)
  if (host.platform === 'darwin') {
    found.push(posix.join('/Applications', MAC_APPS[name]), posix.join(host.home, 'Applications', MAC_APPS[name]))
  } else if (win) {
    const roots = [host.env.PROGRAMFILES, host.env['PROGRAMFILES(X86)'], host.env.LOCALAPPDATA].filter((r): r is string => r !== undefined && r !== '')
    found.push(...roots.map((root) => win32.join(root, WINDOWS_APPS[name])))
  } else {
    found.push(...LINUX_PATHS[name])
  }
  return [...new Set(found)]
}

async function firstExecutable(paths: string[], host: BrowserHost): Promise<string | undefined> {
  for (const path of paths) if (await host.isExecutable(path)) return path
  return undefined
}

/** NSS's certutil (Firefox profiles need it); Windows' own certutil.exe is another tool, so never there. */
export async function findCertutil(host: BrowserHost = currentHost()): Promise<string | undefined> {
  if (host.platform === 'win32') return undefined
  const brew = host.platform === 'darwin' ? ['/opt/homebrew/opt/nss/bin/certutil', '/usr/local/opt/nss/bin/certutil'] : []
  return firstExecutable([...onPath(['certutil'], host), ...brew], host)
}

export const CERTUTIL_NEEDED =
  "Firefox trusts tcpscope's CA through its profile's certificate database, which needs NSS's certutil: install libnss3-tools (Debian, Ubuntu), nss-tools (Fedora) or nss (Homebrew)"

/** Every browser tcpscope knows, with its path when this machine has it. */
export async function findBrowsers(host: BrowserHost = currentHost()): Promise<BrowserInfo[]> {
  const certutil = await findCertutil(host)
  return Promise.all(
    BROWSERS.map(async (name): Promise<BrowserInfo> => {
      const path = await firstExecutable(candidatePaths(name, host), host)
      if (path === undefined) return { name, reason: `${name} is not installed (looked on PATH and where its installer puts it)` }
      if (name === 'firefox' && certutil === undefined) return { name, path, reason: CERTUTIL_NEEDED }
      return { name, path }
    })
  )
}
