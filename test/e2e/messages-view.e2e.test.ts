// A raw protocol's messages in real Chromium against `tcpscope web`, over real peers through a
// proxy the test starts through the engine:
// - redis-server with redis-cli: the list's protocol cell says RESP; the connection opens on
//   its Messages tab, recognised; `SET k v` and `+OK` are listed paired; a message chosen
//   shows its arguments as a tree and its bytes; an argument chosen is the byte views'
//   selection (the Hex tab says how many bytes); the filter's words go to the engine, and a
//   word it refuses is said under the box; a --pipe of 300 commands lists every message,
//   the last SET reached with End;
// - a plain Node server sending 2-byte-length-prefixed messages split at odd places: it reads
//   as a stream ("No framing"), then Decode as… length:size=2 (from the tab's button in
//   English, from the row's context menu in Chinese) lists each message whole.
// In English (light) and in Chinese (dark), with screenshots. Selects by role and name only.
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Locator } from 'playwright-core'
import { startServer, portOf } from '../helpers/net'
import { openWebPage } from '../helpers/web-page'
import { startRedis } from '../helpers/redis'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { hasProgram, needProgram } from '../helpers/peers'

const run = promisify(execFile)
const cleanups: Array<() => unknown> = []
beforeEach((ctx) => {
  needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable())
  needProgram(ctx, 'redis-server and redis-cli (apt-get install redis)', hasProgram('redis-server') && hasProgram('redis-cli'))
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const WORDS = {
  en: {
    locale: 'en-US',
    grid: 'Connections',
    detail: 'Selected connection',
    tab: 'Messages',
    hex: 'Hex',
    recognised: 'RESP — recognised',
    list: (n: number) => `Messages (${n})`,
    set: /^client → server: #\d+, [\d:.]+, 27 B, SET k v, #(\d+) \(answered by #\d+\)$/,
    ok: (n: number) => new RegExp(`^server → client: #${n}, [\\d:.]+, 5 B, \\+OK, #\\d+ \\(answers #\\d+\\)$`),
    tree: (n: number) => `Fields of message #${n}`,
    bytes: (n: number) => `Bytes of message #${n}`,
    fieldBytes: /^7 bytes selected/,
    filter: 'Filter messages',
    refused: /is no message filter word|message filter/i,
    noFraming: 'No framing: the bytes read as a stream. Choose Decode as… to cut them into messages.',
    decodeAs: 'Decode as…',
    dialog: /^Decode connection #\d+ as…$/,
    framing: 'Framing',
    size: 'Length field size',
    apply: 'Apply',
    chosen: 'length:size=2 — chosen with Decode as…',
    menu: 'Actions',
    conversation: 'Conversation',
    starts: (n: number) => `message ${n} starts`
  },
  zh: {
    locale: 'zh-CN',
    grid: '连接',
    detail: '所选连接',
    tab: '消息',
    hex: '十六进制',
    recognised: 'RESP — 自动识别',
    list: (n: number) => `消息（${n}）`,
    set: /^客户端 → 服务器：#\d+ [\d:.]+ 27 B SET k v #(\d+) \(由 #\d+ 应答\)$/,
    ok: (n: number) => new RegExp(`^服务器 → 客户端：#${n} [\\d:.]+ 5 B \\+OK #\\d+ \\(应答 #\\d+\\)$`),
    tree: (n: number) => `消息 #${n} 的字段`,
    bytes: (n: number) => `消息 #${n} 的字节`,
    fieldBytes: /^已选 7 字节/,
    filter: '过滤消息',
    refused: /filter/i,
    noFraming: '未分帧：数据按字节流显示。选择“解码为…”将其切分为消息。',
    decodeAs: '解码为…',
    dialog: /^将连接 #\d+ 解码为…$/,
    framing: '分帧',
    size: '长度字段大小',
    apply: '应用',
    chosen: 'length:size=2 — 通过“解码为…”选择',
    menu: '操作',
    conversation: '会话',
    starts: (n: number) => `第 ${n} 条消息开始`
  }
}

/** What the length-prefixed server sends: three messages, each a 2-byte big-endian length and its bytes. */
const PAYLOADS = ['hello', 'a second, longer message', 'third']
const framed = Buffer.concat(PAYLOADS.map((p) => Buffer.concat([Buffer.from([0, Buffer.byteLength(p)]), Buffer.from(p)])))

/** A server that sends PAYLOADS cut at odd places (inside a length, inside a payload, two messages at once), a pause between pieces. */
async function lengthPrefixedServer(): Promise<number> {
  const cuts = [1, 4, 20, framed.length]
  const s = await startServer((sock) => {
    let at = 0
    const next = (i: number): void => {
      if (i >= cuts.length) {
        sock.end()
        return
      }
      sock.write(framed.subarray(at, cuts[i]))
      at = cuts[i]
      setTimeout(() => next(i + 1), 40)
    }
    next(0)
    sock.on('error', () => {})
  })
  cleanups.push(s.close)
  return s.port
}

/** Connects to `port`, reads to the end. */
async function readAll(port: number): Promise<Buffer> {
  const sock = connect(port, '127.0.0.1')
  const parts: Buffer[] = []
  sock.on('data', (d: Buffer) => parts.push(d))
  await new Promise<void>((resolve, reject) => {
    sock.on('end', () => resolve())
    sock.on('error', reject)
  })
  sock.destroy()
  return Buffer.concat(parts)
}

/** `redis-cli --pipe` of `n` SETs on one connection: sent in a few large writes, the replies pipelined back. */
async function pipe(port: number, n: number): Promise<void> {
  const input = Array.from({ length: n }, (_, i) => {
    const key = `pipeline-key-${i}`
    const value = `value-${i}`
    return `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`
  }).join('')
  await new Promise<void>((resolve, reject) => {
    const p = spawn('redis-cli', ['-p', String(port), '--pipe'], { stdio: ['pipe', 'ignore', 'inherit'] })
    p.on('error', reject)
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --pipe exited ${code}`))))
    p.stdin.end(input)
  })
}

const treeItems = (tree: Locator): Promise<string[]> => tree.getByRole('treeitem').evaluateAll((rows) => rows.map((r) => (r.textContent ?? '').replace(/\s+/g, ' ').trim()))

async function runIn(lang: 'en' | 'zh', scheme: 'light' | 'dark'): Promise<void> {
  const w = WORDS[lang]
  const tag = `${lang}-${scheme}`
  const redis = await startRedis(mkdtempSync(join(tmpdir(), 'tcpscope-redis-')))
  cleanups.push(redis.stop)
  const lengthPort = await lengthPrefixedServer()
  const { web, page } = await openWebPage(cleanups, { browser: { locale: w.locale, colorScheme: scheme, width: 1280, height: 860 } })
  const driver = await web.client()
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${redis.port}` })
  const proxyPort = portOf(proxy.listen)
  await run('redis-cli', ['-p', String(proxyPort), 'SET', 'k', 'v'])

  // The list names the protocol its first bytes say.
  const grid = page.getByRole('grid', { name: w.grid, exact: true })
  const row = grid.getByRole('row').nth(1)
  await expect.poll(() => row.getByRole('gridcell', { name: 'RESP', exact: true }).count()).toBe(1)
  await row.click()
  const detail = page.getByRole('region', { name: w.detail })
  // A connection whose protocol is known opens on its messages, when no tab was picked.
  await expect.poll(() => detail.getByRole('tab', { name: w.tab, exact: true }).getAttribute('aria-selected')).toBe('true')
  await detail.getByText(w.recognised).waitFor()

  // SET k v and its +OK, paired both ways.
  const list = detail.getByRole('listbox', { name: /^(Messages \(\d+\)|消息（\d+）)$/ })
  const set = list.getByRole('option', { name: w.set })
  await set.waitFor()
  const okNumber = Number(w.set.exec((await set.getAttribute('aria-label'))!)![1])
  await list.getByRole('option', { name: w.ok(okNumber) }).waitFor()
  expect(await set.getAttribute('class')).toContain('dir-client')

  // Chosen: its arguments as a tree, its bytes beside it.
  await set.click()
  const setNumber = Number(/#(\d+)/.exec((await set.getAttribute('aria-label'))!)![1])
  const tree = detail.getByRole('tree', { name: w.tree(setNumber) })
  await expect.poll(() => treeItems(tree)).toEqual([
    expect.stringMatching(/^▾ command \(array\) 3 elements @0\+27$/),
    expect.stringMatching(/^\[0\] \(bulk string, 3 bytes\) SET @4\+9$/),
    expect.stringMatching(/^\[1\] \(bulk string, 1 bytes\) k @13\+7$/),
    expect.stringMatching(/^\[2\] \(bulk string, 1 bytes\) v @20\+7$/)
  ])
  await detail.getByRole('region', { name: w.bytes(setNumber) }).getByText('*3').waitFor()
  // The keyboard: Enter in the list goes to the tree; the arrows walk it; Enter chooses.
  await list.focus()
  await page.keyboard.press('Enter')
  await page.keyboard.press('End')
  await page.keyboard.press('Enter')
  await saveScreenshot(page, `messages-redis-${tag}`)
  // The argument chosen is the byte views' selection: `$1\r\nv\r\n`, 7 bytes.
  await detail.getByRole('tab', { name: w.hex, exact: true }).click()
  await detail.getByText(w.fieldBytes).waitFor()
  await detail.getByRole('tab', { name: w.tab, exact: true }).click()

  // The filter goes to the engine; a word it does not know is refused, under the box.
  const box = detail.getByRole('searchbox', { name: w.filter })
  await box.fill('dir:server')
  await expect.poll(() => list.getByRole('option').count()).toBe(1)
  await box.fill('nonsense:1')
  await expect.poll(async () => (await detail.getByRole('alert').textContent()) ?? '').toMatch(/nonsense/)
  expect(await box.getAttribute('aria-invalid')).toBe('true')
  await box.fill('')

  // A pipeline of 300 commands: every command and reply listed, paged as the list scrolls.
  await pipe(proxyPort, 300)
  const piped = grid.getByRole('row').nth(2)
  await expect.poll(() => piped.getByRole('gridcell', { name: 'RESP', exact: true }).count()).toBe(1)
  await piped.click()
  // 300 SETs, 300 +OKs, and what --pipe adds to know every reply came (an ECHO and its reply).
  const all = /^(Messages \(60\d\)|消息（60\d）)$/
  await detail.getByRole('listbox', { name: all }).waitFor()
  await box.fill('cmd:SET')
  const sets = detail.getByRole('listbox', { name: w.list(300) })
  await sets.waitFor()
  await sets.focus()
  await page.keyboard.press('End')
  await sets.getByRole('option', { name: /SET pipeline-key-299 value-299/, selected: true }).waitFor()
  await box.fill('')
  await detail.getByRole('listbox', { name: all }).getByRole('option').nth(3).click()
  await saveScreenshot(page, `messages-pipe-${tag}`)

  // A raw connection of the test's own protocol: a byte stream until decoded as length:size=2.
  const proxy2 = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${lengthPort}` })
  expect(await readAll(portOf(proxy2.listen))).toEqual(framed)
  const raw = grid.getByRole('row').nth(3)
  await expect.poll(() => raw.getByRole('gridcell', { name: /^(raw|原始)$/ }).count()).toBe(1)
  await raw.click()
  await detail.getByRole('tab', { name: w.tab, exact: true }).click()
  await detail.getByText(w.noFraming).waitFor()
  if (lang === 'en') {
    await detail.getByRole('button', { name: w.decodeAs }).click()
  } else {
    await raw.click({ button: 'right' })
    await page.getByRole('menu', { name: w.menu }).getByRole('menuitem', { name: w.decodeAs }).click()
  }
  const dialog = page.getByRole('dialog', { name: w.dialog })
  await dialog.getByRole('combobox', { name: w.framing, exact: true }).selectOption('length')
  await dialog.getByRole('combobox', { name: w.size }).selectOption('2')
  expect(await dialog.getByRole('textbox', { name: /--frame/ }).inputValue()).toBe('length:size=2')
  await saveScreenshot(page, `messages-decode-as-${tag}`)
  await dialog.getByRole('button', { name: w.apply, exact: true }).click()
  await dialog.waitFor({ state: 'detached' })

  // Each message whole, however TCP cut them.
  await detail.getByText(w.chosen).waitFor()
  const framedList = detail.getByRole('listbox', { name: w.list(3) })
  const names = await framedList.getByRole('option').evaluateAll((os) => os.map((o) => o.getAttribute('aria-label') ?? ''))
  expect(names).toHaveLength(3)
  PAYLOADS.forEach((p, i) => expect(names[i]).toContain(`${Buffer.byteLength(p) + 2} B`))
  PAYLOADS.forEach((p, i) => expect(names[i]).toContain(p))
  await framedList.getByRole('option').nth(1).click()
  await saveScreenshot(page, `messages-length-${tag}`)

  // The conversation marks where each message starts, inside the chunks TCP cut.
  await detail.getByRole('tab', { name: w.conversation, exact: true }).click()
  const feed = detail.getByRole('feed', { name: w.conversation, exact: true })
  for (let n = 1; n <= PAYLOADS.length; n++) await feed.getByRole('img', { name: w.starts(n), exact: true }).waitFor()
  expect(await feed.getByRole('img', { name: /^(message \d+ starts|第 \d+ 条消息开始)$/ }).count()).toBe(PAYLOADS.length)
  await saveScreenshot(page, `messages-conversation-marks-${tag}`)
}

describe('raw protocols as messages in Chromium', () => {
  it('lists redis commands and replies paired, with fields and bytes, and decodes a length-prefixed protocol as asked, in English', async () => {
    await runIn('en', 'light')
  })

  it('does the same in Chinese, in dark, decoding from the row\'s context menu', async () => {
    await runIn('zh', 'dark')
  })
})
