// The installers' configuration (electron-builder.yml), checked as far as this machine allows
// without Electron's binary: loaded and validated by electron-builder's own loader and
// schema (a misspelled key fails here, not on the machine that builds the installers); the
// targets for each platform; the file associations against what the app opens; every icon
// it names; and the files packed, by electron-builder's own matcher over the repository
// and, once `npm run build` has run, by packing the app for real into a folder, with a
// stand-in for Electron's binary, and reading its app.asar.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { extractFile, listPackage } from '@electron/asar'
import { getFileMatchers } from 'app-builder-lib/out/fileMatcher'
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config'
import { convertIcon } from 'app-builder-lib/out/util/iconConverter'
import { DebugLogger, type FilterStats } from 'builder-util'
import { Arch, build, Platform, type Configuration, type FileAssociation } from 'electron-builder'
import { capturePathsFromArgv } from '../../src/main/argv'
import { CAPTURE_EXTENSIONS } from '../../src/main/capture-path'
import { needProgram } from '../helpers/peers'

const root = resolve(__dirname, '../..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string
  homepage?: string
  scripts: Record<string, string>
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}
const loadConfig = (): Promise<Configuration> => getConfig(root, null, null)
const resources = join(root, 'resources')

/** A PNG's size from its IHDR chunk, or undefined when the file is not a PNG. */
function pngSize(file: string): { width: number; height: number } | undefined {
  const b = readFileSync(file)
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  if (b.length < 24 || !b.subarray(0, 8).equals(signature) || b.toString('latin1', 12, 16) !== 'IHDR') return undefined
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) }
}

describe('electron-builder.yml', () => {
  it("loads with electron-builder's own loader and passes its schema", async () => {
    const config = await loadConfig()
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
    expect(config).toMatchObject({ appId: 'dev.tcpscope.app', productName: 'tcpscope', directories: { buildResources: 'resources', output: 'dist' } })
  })

  it('that schema refuses a misspelled key, so the check above means something', async () => {
    const config = await loadConfig()
    const { fileAssociations, ...rest } = config
    await expect(validateConfiguration({ ...rest, fileAsociations: fileAssociations } as Configuration, new DebugLogger(false))).rejects.toThrow(/fileAsociations/)
  })

  it('targets AppImage and .deb on Linux, a dmg on macOS, NSIS on Windows', async () => {
    const config = await loadConfig()
    expect(config.linux?.target).toEqual(['AppImage', 'deb'])
    expect(config.mac?.target).toBe('dmg')
    expect(config.win?.target).toBe('nsis')
    // What a .deb cannot be built without (electron-builder's FpmTarget refuses otherwise).
    expect(config.linux?.maintainer).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/)
    expect(pkg.homepage).toMatch(/^https:\/\//)
    expect(config.deb).toMatchObject({ packageCategory: 'net', priority: 'optional' })
    expect(config.linux?.category).toBe('Network')
  })

  it('npm run dist builds, then packs for this platform; its output folder is ignored by git', async () => {
    expect(pkg.scripts.dist).toBe('npm run build && electron-builder --publish never')
    for (const [script, flag] of [['dist:linux', '--linux'], ['dist:mac', '--mac'], ['dist:win', '--win']]) {
      expect(pkg.scripts[script]).toBe(`npm run build && electron-builder ${flag} --publish never`)
    }
    expect(readFileSync(join(root, '.gitignore'), 'utf8').split('\n')).toContain(`${(await loadConfig()).directories?.output}/`)
  })
})

describe('file associations', () => {
  it('associate every capture extension the app knows, .tcpscope among them, as one type it views', async () => {
    const associations = (await loadConfig()).fileAssociations as FileAssociation[]
    expect(associations.map((a) => a.ext).sort()).toEqual([...CAPTURE_EXTENSIONS].sort())
    expect(CAPTURE_EXTENSIONS).toContain('tcpscope')
    for (const a of associations) {
      // One extension each: electron-builder writes Linux's MIME glob from `ext` as given.
      expect(typeof a.ext).toBe('string')
      expect(a).toMatchObject({ name: 'tcpscope capture', description: 'tcpscope capture', role: 'Viewer', mimeType: 'application/x-tcpscope-capture' })
    }
  })

  it('a double-clicked capture of each kind reaches the app as a file to open', () => {
    for (const ext of CAPTURE_EXTENSIONS) {
      // Linux's desktop entry passes `%U`; Windows passes the path.
      expect(capturePathsFromArgv(['/opt/tcpscope/tcpscope', `/home/me/a.${ext}`], { packaged: true, cwd: '/' })).toEqual([`/home/me/a.${ext}`])
      expect(capturePathsFromArgv(['/opt/tcpscope/tcpscope', `file:///home/me/a.${ext}`], { packaged: true, cwd: '/' })).toEqual([`/home/me/a.${ext}`])
    }
    // macOS's open-file and a second launch: test/main/opened-files.test.ts; the main process wires both.
    const main = readFileSync(join(root, 'src/main/index.ts'), 'utf8')
    expect(main).toMatch(/requestSingleInstanceLock\(\)/)
    expect(main).toMatch(/receiveOpenedFiles\(app,/)
  })
})

describe('icons', () => {
  it('macOS and Windows are made from resources/icon.png, 1024 px square', async () => {
    const config = await loadConfig()
    for (const icon of [config.mac?.icon, config.win?.icon]) {
      expect(icon).toBe('icon.png')
      expect(pngSize(join(resources, icon!))).toEqual({ width: 1024, height: 1024 })
    }
    expect(existsSync(join(resources, 'icon.svg'))).toBe(true)
  })

  it("Linux's set, as electron-builder resolves it: every size from 16 to 512, each PNG the size its name says", async () => {
    const config = await loadConfig()
    const out = mkdtempSync(join(tmpdir(), 'tcpscope-icons-'))
    try {
      const { icons, isFallback, error } = await convertIcon({ sources: [config.linux!.icon!], fallbackSources: [], roots: [resources, root], format: 'set', outDir: out })
      expect(error).toBeUndefined()
      expect(isFallback).toBe(false)
      expect(icons.map((i) => i.size)).toEqual([16, 24, 32, 48, 64, 128, 256, 512])
      for (const { file, size } of icons) {
        expect(file).toBe(join(resources, 'icons', `${size}x${size}.png`))
        expect(pngSize(file)).toEqual({ width: size, height: size })
      }
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})

describe('the files packed', () => {
  /** electron-builder's own matcher for `files`: true for what it would pack from the project. */
  async function packs(): Promise<(relativePath: string) => boolean> {
    const config = await loadConfig()
    const [matcher, ...others] = getFileMatchers(config, 'files', '/app', { macroExpander: (s) => s, customBuildOptions: {}, globalOutDir: join(root, 'dist'), defaultSrc: root }) ?? []
    expect(others).toEqual([])
    const filter = matcher.createFilter()
    const file = { isDirectory: () => false } as FilterStats
    return (path) => filter(join(root, path), file)
  }

  it('the desktop build only: main with its decode worker and chunks, the preload, the page; package.json is added by electron-builder', async () => {
    const packed = await packs()
    const built = ['out/main/index.js', 'out/main/decode-worker.js', 'out/main/chunks/decoder-host-abc123.js', 'out/preload/index.js', 'out/renderer/index.html', 'out/renderer/assets/index-abc123.js', 'out/renderer/assets/index-abc123.css']
    for (const path of built) expect(packed(path), path).toBe(true)
    expect(packed(pkg.main), 'package.json "main"').toBe(true)
    const left = ['out/cli/index.cjs', 'out/renderer/assets/index-abc123.js.map', 'captures/redis.tcap', 'keys/ca-key.pem', 'dist/tcpscope-0.1.0.AppImage', 'bench/results/run.json', 'resources/icon.png']
    for (const path of left) expect(packed(path), path).toBe(false)
  })

  it('nothing from the repository itself: no source, test, bench, script, doc or config file', async () => {
    const packed = await packs()
    const tracked = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean)
    expect(tracked.length).toBeGreaterThan(100)
    expect(tracked.filter((path) => path !== 'package.json' && packed(path))).toEqual([])
  })

  it('packs into a working layout: app.asar holds the build, its entry files and every package they require', { timeout: 180_000 }, async (ctx) => {
    const entries = [pkg.main, 'out/main/decode-worker.js', 'out/preload/index.js', 'out/renderer/index.html']
    needProgram(ctx, 'the built app (npm run build)', entries.every((path) => existsSync(join(root, path))))
    const work = mkdtempSync(join(tmpdir(), 'tcpscope-pack-'))
    try {
      // Electron's binary is not downloaded here: electron-builder copies this folder as the
      // Electron it packs, renames the executable and writes resources/app.asar beside it.
      const electronDist = join(work, 'electron')
      mkdirSync(electronDist)
      writeFileSync(join(electronDist, 'electron'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
      const output = join(work, 'dist')
      await build({ projectDir: root, targets: Platform.LINUX.createTarget('dir', Arch.x64), publish: 'never', config: { electronDist, directories: { output } } })
      const unpacked = join(output, 'linux-unpacked')
      expect(existsSync(join(unpacked, 'tcpscope'))).toBe(true)
      const asar = join(unpacked, 'resources', 'app.asar')
      const list = listPackage(asar, { isPack: false }).map((p) => p.replace(/\\/g, '/').replace(/^\//, ''))
      const has = (path: string): boolean => list.includes(path)

      expect(list.filter((p) => !p.includes('/')).sort()).toEqual(['node_modules', 'out', 'package.json'])
      expect(list.filter((p) => /^out\/[^/]+$/.test(p)).sort()).toEqual(['out/main', 'out/preload', 'out/renderer'])
      for (const path of entries) expect(has(path), path).toBe(true)
      expect(JSON.parse(extractFile(asar, 'package.json').toString('utf8'))).toMatchObject({ main: pkg.main })

      // Every asset the page names is there.
      const html = readFileSync(join(root, 'out/renderer/index.html'), 'utf8')
      const assets = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => `out/renderer/${m[1]}`)
      expect(assets.length).toBeGreaterThan(0)
      for (const path of assets) expect(has(path), path).toBe(true)

      // electron-vite leaves the production dependencies external: each one the main
      // process and the preload require must be packed, and none of the dev tools.
      const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'electron'])
      const required = new Set<string>()
      for (const path of list.filter((p) => /^out\/(main|preload)\/.*\.js$/.test(p))) {
        const code = extractFile(asar, path).toString('utf8')
        for (const [, spec] of code.matchAll(/require\("([^"./][^"]*)"\)/g)) {
          if (builtins.has(spec)) continue
          required.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0])
        }
      }
      expect(required.size).toBeGreaterThan(0)
      for (const name of [...required, ...Object.keys(pkg.dependencies)]) expect(has(`node_modules/${name}/package.json`), name).toBe(true)
      for (const name of ['electron', 'electron-builder', 'vue', 'vite', 'vitest', 'typescript']) expect(has(`node_modules/${name}`), name).toBe(false)
      expect(list.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts') && !p.startsWith('node_modules/'))).toEqual([])
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
})
