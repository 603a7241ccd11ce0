// gRPC in real Chromium against `tcpscope web`, over real calls through a proxy the test
// starts through the engine: an @grpc/grpc-js client makes a unary call, a server-streaming
// one and a failing one to an @grpc/grpc-js server, on one h2c connection.
// - the HTTP tab opens a call on its gRPC view: the method and grpc-status named, both sides'
//   messages in order, the chosen one's fields as a tree (by number, as protoc --decode_raw);
// - a failed call's status is in words;
// - a .proto loaded by its typed path names the fields and the message's type;
// - in dark, and in Chinese. Screenshots of each. Selects by role and name only.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Locator } from 'playwright-core'
import { portOf } from '../helpers/net'
import { openWebPage } from '../helpers/web-page'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'
import { startGrpcSearch } from '../helpers/grpc-peer'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const WORDS = {
  en: {
    locale: 'en-US',
    view: 'Connection view',
    exchanges: 'Exchanges',
    grid: 'HTTP exchanges',
    filter: 'Filter exchanges',
    detail: 'Selected connection',
    http: 'HTTP',
    messages: (n: number) => `gRPC messages (${n})`,
    tree: (n: number) => `Fields of message ${n}`,
    ok: 'grpc-status 0 OK',
    notFound: 'grpc-status 5 NOT_FOUND: nothing for "fail"',
    loadProto: 'Load .proto…',
    path: '.proto file path',
    load: 'Load',
    loaded: '1 file, 2 methods',
    hex: 'Hex',
    // The title field of "dogs #1": its tag, its length and seven bytes.
    fieldBytes: /^9 bytes selected/
  },
  zh: {
    locale: 'zh-CN',
    view: '连接视图',
    exchanges: '交换',
    grid: 'HTTP 交换',
    filter: '过滤交换',
    detail: '所选连接',
    http: 'HTTP',
    messages: (n: number) => `gRPC 消息（${n}）`,
    tree: (n: number) => `消息 ${n} 的字段`,
    ok: 'grpc-status 0 OK',
    notFound: 'grpc-status 5 NOT_FOUND: nothing for "fail"',
    loadProto: '加载 .proto…',
    path: '.proto 文件路径',
    load: '加载',
    loaded: '1 个文件，2 个方法',
    hex: '十六进制',
    fieldBytes: /^已选 9 字节/
  }
}

const items = (tree: Locator): Promise<string[]> => tree.getByRole('treeitem').evaluateAll((rows) => rows.map((r) => (r.textContent ?? '').replace(/\s+/g, ' ').trim()))

async function run(lang: 'en' | 'zh', scheme: 'light' | 'dark'): Promise<void> {
  const w = WORDS[lang]
  const search = await startGrpcSearch(cleanups)
  const { web, page } = await openWebPage(cleanups, { browser: { locale: w.locale, colorScheme: scheme, width: 1280, height: 860 } })
  const driver = await web.client()
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${search.port}` })
  expect(await search.calls(`127.0.0.1:${portOf(proxy.listen)}`)).toEqual({
    get: { title: 'got cats', score: '-42', ids: [1, 2, 3], meta: { source: 'index', cached: true } },
    hits: 3,
    fail: 5
  })
  const tag = `${lang}-${scheme}`

  await page.getByRole('radiogroup', { name: w.view }).getByRole('radio', { name: w.exchanges }).click()
  const grid = page.getByRole('grid', { name: w.grid })
  await page.getByRole('searchbox', { name: w.filter }).fill('proto:grpc')
  const detail = page.getByRole('region', { name: w.detail })

  // The unary call: the request's message and the response's, fields by number.
  await grid.getByRole('row').filter({ hasText: '/demo.Search/Get' }).first().click({ timeout: 30_000 })
  await expect.poll(() => detail.getByRole('tab', { name: w.http, exact: true }).getAttribute('aria-selected')).toBe('true')
  await detail.getByText(w.ok).waitFor()
  const unary = detail.getByRole('listbox', { name: w.messages(2) })
  const unaryRows = unary.getByRole('option')
  await expect.poll(() => unaryRows.count()).toBe(2)
  expect(await unaryRows.nth(0).getAttribute('class')).toContain('dir-client')
  expect(await unaryRows.nth(1).getAttribute('class')).toContain('dir-server')
  await unaryRows.nth(1).click()
  const hit = detail.getByRole('tree', { name: w.tree(1) })
  await expect.poll(() => items(hit)).toEqual([
    '1 string "got cats"',
    // Without a schema a varint is shown with its zigzag reading (sint64 -42 is sent as 83).
    '2 varint 83 zigzag -42',
    // Packed ints are bytes that are not text.
    '3 bytes 010203',
    '▾ 4 message',
    '1 string "index"',
    '2 varint 1 zigzag -1'
  ])
  // The nested message closes from the keyboard.
  await hit.getByRole('treeitem').nth(3).focus()
  await page.keyboard.press('ArrowLeft')
  await expect.poll(() => hit.getByRole('treeitem').count()).toBe(4)
  await page.keyboard.press('ArrowRight')
  await expect.poll(() => hit.getByRole('treeitem').count()).toBe(6)
  await saveScreenshot(page, `grpc-unary-${tag}`)

  // The failed call says its status in words.
  await grid.getByRole('row').filter({ hasText: '/demo.Search/Get' }).nth(1).click()
  await detail.getByText(w.notFound).waitFor()

  // The server-streaming call: one request, three responses in order.
  await grid.getByRole('row').filter({ hasText: '/demo.Search/Watch' }).click()
  const stream = detail.getByRole('listbox', { name: w.messages(4) })
  const streamRows = stream.getByRole('option')
  await expect.poll(() => streamRows.count()).toBe(4)
  const dirs = await streamRows.evaluateAll((rows) => rows.map((r) => (r.className.includes('dir-client') ? 'c' : 's')))
  expect(dirs).toEqual(['c', 's', 's', 's'])
  await streamRows.nth(2).click()
  const second = detail.getByRole('tree', { name: w.tree(2) })
  await expect.poll(() => items(second)).toEqual(['1 string "dogs #1"', '2 varint 2 zigzag 1'])

  // The .proto by its path: the fields get their names and the message its type.
  await detail.getByText(w.loadProto).click()
  await detail.getByRole('textbox', { name: w.path }).fill(search.protoPath)
  await detail.getByRole('button', { name: w.load, exact: true }).click()
  await detail.getByText(w.loaded).waitFor()
  await expect.poll(() => items(second)).toEqual(['1 title string "dogs #1"', '2 score sint64 1'])
  expect(await streamRows.nth(2).getAttribute('aria-label')).toContain('demo.Hit')
  await saveScreenshot(page, `grpc-stream-named-${tag}`)

  // A field chosen is the byte views' selection: its tag, length and value, in the server's stream.
  await second.getByRole('treeitem').first().click()
  await detail.getByRole('tab', { name: w.hex }).click()
  await detail.getByText(w.fieldBytes).waitFor()
  await saveScreenshot(page, `grpc-field-in-hex-${tag}`)
}

describe('gRPC calls in Chromium', () => {
  it('shows unary and server-streaming calls as messages and field trees, named after a .proto is loaded (light)', async () => {
    await run('en', 'light')
  })

  it('in dark', async () => {
    await run('en', 'dark')
  })

  it('in Chinese', async () => {
    await run('zh', 'light')
  })
})
