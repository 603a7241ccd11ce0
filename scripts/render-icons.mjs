// Renders the app's icon from its source, resources/icon.svg, to the PNGs electron-builder
// packs (electron-builder.yml): resources/icon.png at 1024 px, from which it makes the
// macOS .icns and the Windows .ico, and resources/icons/NxN.png, the Linux set that
// AppImage and .deb install into the desktop's icon theme. Run it after editing the SVG:
//
//   node scripts/render-icons.mjs
//
// The PNGs are committed beside the SVG: packaging reads them, and needs no browser.
// Chromium draws them (Debian's /usr/bin/chromium, or TCPSCOPE_CHROMIUM), each size from
// the vector itself rather than scaled down from the largest, on a transparent background.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const resources = join(root, 'resources')
/** The sizes a freedesktop icon theme looks for, up to the 512 px the largest views use. */
const LINUX_ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512]
const APP_ICON_SIZE = 1024

const svg = readFileSync(join(resources, 'icon.svg'), 'utf8')
const SVG_SIZE = 'viewBox="0 0 1024 1024" width="1024" height="1024"'
if (!svg.includes(SVG_SIZE)) throw new Error(`resources/icon.svg must be drawn on 1024 px: <svg ... ${SVG_SIZE}>`)
// The 1024 px icon keeps the SVG's 100 px margin, as a macOS icon must. Desktop themes on
// Linux expect the tile to fill its square, and at 16 px that margin would cost a quarter of
// the pixels: the set is drawn from a view that crops most of it.
const FULL_VIEW = '0 0 1024 1024'
const LINUX_VIEW = '72 72 880 880'
const targets = [
  { size: APP_ICON_SIZE, view: FULL_VIEW, file: join(resources, 'icon.png') },
  ...LINUX_ICON_SIZES.map((size) => ({ size, view: LINUX_VIEW, file: join(resources, 'icons', `${size}x${size}.png`) }))
]

const browser = await chromium.launch({
  executablePath: process.env.TCPSCOPE_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update']
})
try {
  mkdirSync(join(resources, 'icons'), { recursive: true })
  for (const { size, view, file } of targets) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 })
    const sized = svg.replace(SVG_SIZE, `viewBox="${view}" width="${size}" height="${size}"`)
    await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${sized}</body></html>`)
    writeFileSync(file, await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } }))
    await page.close()
    console.log(`${relative(root, file)} ${size}x${size}`)
  }
} finally {
  await browser.close()
}
