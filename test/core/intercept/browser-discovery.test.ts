// Finding browsers: names on PATH first (in PATH's order), then each OS's install paths;
// a browser not there, or Firefox without NSS's certutil, comes with the reason.
import { afterEach, describe, expect, it } from 'vitest'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { candidatePaths, currentHost, findBrowsers, findCertutil, type BrowserHost } from '../../../src/core/intercept/browser-discovery'
import { tempDir } from '../../helpers/net'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

function binDir(names: string[], mode = 0o755): string {
  const { dir, cleanup } = tempDir('tcpscope-bin-')
  cleanups.push(cleanup)
  for (const name of names) {
    writeFileSync(join(dir, name), '#!/bin/sh\n')
    chmodSync(join(dir, name), mode)
  }
  return dir
}

/** This machine's file checks, but only under `dirs`: the real /usr/bin does not leak in. */
function hostWith(dirs: string[], over: Partial<BrowserHost> = {}): BrowserHost {
  const real = currentHost()
  return {
    ...real,
    platform: 'linux',
    env: { PATH: dirs.join(':') },
    isExecutable: async (p) => dirs.some((d) => p.startsWith(d + '/')) && real.isExecutable(p),
    ...over
  }
}

describe('browser discovery', () => {
  it('finds each browser by its names on PATH, in PATH order, and says why the others are missing', async () => {
    const first = binDir(['chromium-browser', 'firefox-esr', 'certutil'])
    const second = binDir(['chromium', 'google-chrome'])
    const found = await findBrowsers(hostWith([first, second]))
    expect(found).toEqual([
      { name: 'chromium', path: join(first, 'chromium-browser') },
      { name: 'chrome', path: join(second, 'google-chrome') },
      { name: 'edge', reason: expect.stringMatching(/^edge is not installed/) },
      { name: 'firefox', path: join(first, 'firefox-esr') }
    ])
  })

  it('skips a file that cannot be run', async () => {
    const dir = binDir(['chromium'], 0o644)
    const [chromium] = await findBrowsers(hostWith([dir]))
    expect(chromium.path).toBeUndefined()
  })

  it('finds Firefox but marks it unusable without NSS certutil', async () => {
    const dir = binDir(['firefox'])
    const firefox = (await findBrowsers(hostWith([dir]))).find((b) => b.name === 'firefox')
    expect(firefox).toEqual({ name: 'firefox', path: join(dir, 'firefox'), reason: expect.stringContaining('certutil') })
    expect(await findCertutil(hostWith([dir]))).toBeUndefined()
  })

  it('looks where installers put browsers on macOS and Windows', () => {
    const mac = candidatePaths('chrome', hostWith([], { platform: 'darwin', home: '/Users/ann', env: {} }))
    expect(mac).toEqual(['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Users/ann/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'])
    const win = candidatePaths('edge', hostWith([], { platform: 'win32', env: { PATH: 'C:\\bin', PROGRAMFILES: 'C:\\Program Files', 'PROGRAMFILES(X86)': 'C:\\Program Files (x86)', LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' } }))
    expect(win).toEqual([
      'C:\\bin\\msedge.exe',
      'C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe',
      'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
      'C:\\Users\\ann\\AppData\\Local\\Microsoft\\Edge\\Application\\msedge.exe'
    ])
    expect(candidatePaths('firefox', hostWith([], { env: {} }))).toContain('/usr/lib/firefox-esr/firefox-esr')
  })

  it('never takes Windows\' own certutil.exe for NSS\'s', async () => {
    const dir = binDir(['certutil'])
    expect(await findCertutil(hostWith([dir]))).toBe(join(dir, 'certutil'))
    expect(await findCertutil(hostWith([dir], { platform: 'win32' }))).toBeUndefined()
  })
})
