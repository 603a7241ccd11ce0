// Real Chromium for end-to-end tests (Debian's /usr/bin/chromium through playwright-core),
// each in a fresh context (its own cookies, storage and permissions, as a fresh profile has).
// One Chromium process serves every context a test worker opens: launching it (with the
// browser's own pages that a full Chromium loads even headless) is most of the cost of
// opening a browser on two cores, about half a second of CPU, a context a small part.
// Missing Chromium skips locally and fails under CI=true.
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium, type Browser as Chromium, type BrowserContext, type Page } from 'playwright-core'
import { hasProgram } from './peers'

export const CHROMIUM = '/usr/bin/chromium'
export const chromiumAvailable = (): boolean => hasProgram(CHROMIUM)

/**
 * What the pages run in: Chromium's headless shell (Debian's chromium-headless-shell, the
 * same Blink and V8, without the browser's own UI and services) where it is installed, as
 * Playwright itself does for headless pages; the full browser otherwise. Measured on the
 * 2-core machine over six e2e files: 129 CPU-s of the machine with the full browser, 91 with
 * the shell. Tests of a browser a person runs (rules-browser, browser-h2) keep the full one.
 */
const HEADLESS_SHELL = '/usr/bin/chromium-headless-shell'
const PAGES_CHROMIUM = existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : CHROMIUM

export interface Browser {
  context: BrowserContext
  page: Page
  close(): Promise<void>
}

let chromiumProcess: Promise<Chromium> | undefined

/**
 * The worker's Chromium, launched by its first openBrowser, and again by the next one after
 * it went away (it crashed, or failed to start). Set at once, so that two browsers opened
 * together share one launch.
 */
function launched(): Promise<Chromium> {
  if (!chromiumProcess) {
    const launching = chromium.launch({
      executablePath: PAGES_CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic']
    })
    chromiumProcess = launching
    const forget = (): void => {
      if (chromiumProcess === launching) chromiumProcess = undefined
    }
    launching.then((b) => b.on('disconnected', forget), forget)
  }
  return chromiumProcess
}

/**
 * After a test file: closes the contexts it left open, so that the next file of the worker
 * starts from none (test/e2e/close-browser.ts, a setup file, calls this after the file's
 * last test). Chromium itself stays for the next file; Playwright closes it when the
 * worker's process exits.
 */
export async function closeContexts(): Promise<void> {
  const running = await chromiumProcess?.catch(() => undefined)
  if (running?.isConnected()) await Promise.all(running.contexts().map((c) => c.close().catch(() => undefined)))
}

export async function openBrowser(opts: { locale?: string; colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {}): Promise<Browser> {
  const context = await (await launched()).newContext({
    locale: opts.locale ?? 'en-US',
    colorScheme: opts.colorScheme ?? 'light',
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 }
  })
  const page = await context.newPage()
  // Closing what is closed already is no failure (a page closed with its beforeunload
  // answered can take its context's close along with it, once in many runs).
  const close = (): Promise<void> =>
    context.close().catch((err: unknown) => {
      if (!/has been closed/.test((err as Error).message)) throw err
    })
  return { context, page, close }
}

/** Where screenshots go (git-ignored), for a person to look at. */
export function screenshotPath(name: string): string {
  const dir = resolve(__dirname, '../../test-results')
  mkdirSync(dir, { recursive: true })
  return join(dir, `${name}.png`)
}

/**
 * Whether saveScreenshot takes its picture: always on a person's machine, under CI only with
 * TCPSCOPE_SCREENSHOTS=1 (and never with TCPSCOPE_SCREENSHOTS=0).
 */
const SCREENSHOTS = process.env.TCPSCOPE_SCREENSHOTS ? process.env.TCPSCOPE_SCREENSHOTS !== '0' : !process.env.CI

/**
 * Saves what `page` shows as test-results/NAME.png, for a person to look at: no test reads it.
 * CI keeps nothing of a clean clone, so under CI none is taken unless asked for. Measured on
 * the 2-core machine: a picture cost about 0.15 s of CPU (Chromium's capture and PNG encoding,
 * and the driver's decoding and writing), and the e2e files took some 260 a run.
 */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: screenshotPath(name) })
}
