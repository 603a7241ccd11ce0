// Real Chromium for end-to-end tests (Debian's /usr/bin/chromium through playwright-core),
// each in a fresh profile. Missing Chromium skips locally and fails under CI=true.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { hasProgram } from './peers'

export const CHROMIUM = '/usr/bin/chromium'
export const chromiumAvailable = (): boolean => hasProgram(CHROMIUM)

export interface Browser {
  context: BrowserContext
  page: Page
  close(): Promise<void>
}

export async function openBrowser(opts: { locale?: string; colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'tcpscope-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: opts.locale ?? 'en-US',
    colorScheme: opts.colorScheme ?? 'light',
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic']
  })
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    context,
    page,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  }
}

/** Where screenshots go (git-ignored), for a person to look at. */
export function screenshotPath(name: string): string {
  const dir = resolve(__dirname, '../../test-results')
  mkdirSync(dir, { recursive: true })
  return join(dir, `${name}.png`)
}
