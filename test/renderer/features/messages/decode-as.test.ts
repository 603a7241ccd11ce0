// @vitest-environment jsdom
// "Decode as…" over a fake engine: the dialog's fields make the `--frame` text
// (length:size=2,endian=little), a text typed fills the fields in, one that is no framing says
// why under it (the grammar's own line) and is not sent; Apply sends frame.set with the owner
// when asked and shows the connection's Messages tab; the engine's refusal shows under the
// text; the context menu of a connection's row opens it; and it speaks Chinese. The framing
// words' text is also checked on its own.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { nextTick } from 'vue'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EngineError } from '../../../../src/shared/errors'
import DecodeAsHost from '../../../../src/renderer/src/features/messages/DecodeAsHost.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { openingTab, useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { useMessagesStore } from '../../../../src/renderer/src/features/messages/messages-store'
import { draftOf, draftSpec, emptyDraft, specProblem } from '../../../../src/renderer/src/features/messages/frame-draft'
import ContextActions from '../../../../src/renderer/src/features/exports/ContextActions.vue'
import { protocolLabel } from '../../../../src/renderer/src/features/exchanges/protocol-info'
import { conn, settle } from '../http/http-fixtures'
import { fakeTransport } from '../../fake-transport'

let pinia: Pinia
const mounted: VueWrapper[] = []
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => {
  mounted.splice(0).forEach((w) => w.unmount())
})

async function openDialog(language: 'en' | 'zh-CN' = 'en', inUse: { framing: string; source: 'none' | 'chosen' } = { framing: 'none', source: 'none' }) {
  const fake = fakeTransport({
    'conn.get': () => [conn(7, 'raw')],
    'msg.page': ({ connId }) => ({ connId, ...inUse, from: 0, total: 0, of: 0, messages: [], problems: [] }),
    'frame.set': ({ frame }) => {
      if (frame === 'length:size=2,max=1') throw new EngineError('EINVAL', 'the engine refuses this one')
      if (frame === 'script:/tmp/none.js') throw new EngineError('EINVAL', '/tmp/none.js exports no frame function: a script: framing needs export function frame(bytes, ctx) that returns the next message\'s length')
      if (frame === 'ksy:/tmp/bad.ksy') throw new EngineError('EINVAL', "/tmp/bad.ksy:6: /seq/0/enum: unable to find enum 'nope', searching from bad")
      return { framing: frame }
    }
  })
  useEngineStore().attach(fake.transport)
  const w = mount(DecodeAsHost, { global: { plugins: [pinia, createAppI18n(language)] }, attachTo: document.body })
  mounted.push(w)
  await useMessagesStore().askDecodeAs('live', conn(7, 'raw'))
  await settle()
  return { w, fake }
}

/** A field by its label's text (FormField ties them with for/id). */
function field(w: VueWrapper, label: string) {
  const l = w.findAll('label').find((x) => x.text() === label)
  if (!l) throw new Error(`no field labelled ${label}: ${w.findAll('label').map((x) => x.text()).join(' | ')}`)
  return w.find(`[id="${l.attributes('for')!}"]`)
}

describe('Decode as…', () => {
  it('builds length:size=2,endian=little from its fields and sends frame.set for the connection and its owner', async () => {
    const { w, fake } = await openDialog()
    const dialog = w.find('dialog')
    expect(dialog.attributes('aria-label')).toBe('Decode connection #7 as…')
    const kinds = field(w, 'Framing').findAll('option').map((o) => o.text())
    expect(kinds).toEqual(['None (a byte stream)', 'Line', 'Delimiter', 'Length prefix', 'Fixed size', 'Kaitai Struct file…', 'Script file…', 'RESP (redis)', 'PostgreSQL', 'MySQL', 'MQTT', 'Modbus TCP', 'DNS over TCP'])
    await field(w, 'Framing').setValue('length')
    await field(w, 'Length field size').setValue('2')
    await field(w, 'Byte order').setValue('little')
    await nextTick()
    expect((field(w, 'Framing as text (--frame)').element as HTMLInputElement).value).toBe('length:size=2,endian=little')
    const owner = w.findAll('label').find((l) => l.text() === 'Apply to every connection of p1')!
    await owner.find('input').setValue(true)
    await w.find('form').trigger('submit')
    await settle()
    expect(fake.calls.find((c) => c.cmd === 'frame.set')!.args).toEqual({ capture: 'live', connId: 7, frame: 'length:size=2,endian=little', owner: true })
    // Closed, and the connection's messages on screen.
    expect(w.find('dialog').exists()).toBe(false)
    expect(useSelectionStore().connId).toBe(7)
    expect(useSelectionStore().tab).toBe('messages')
  })

  it('fills its fields in from a text typed, and says under the text why one is no framing', async () => {
    const { w, fake } = await openDialog()
    const text = field(w, 'Framing as text (--frame)')
    await text.setValue('delimiter:hex=00')
    await nextTick()
    expect((field(w, 'Framing').element as HTMLSelectElement).value).toBe('delimiter')
    expect((field(w, 'Delimiter (hex)').element as HTMLInputElement).value).toBe('00')
    await text.setValue('length:size=3')
    await nextTick()
    const alert = w.find('[role="alert"]')
    expect(alert.text()).toMatch(/^--frame length:size=3: size=3 is not 1, 2, 4 or 8; use line\[:eol=/)
    expect(text.attributes('aria-invalid')).toBe('true')
    await w.find('form').trigger('submit')
    await settle()
    expect(fake.calls.some((c) => c.cmd === 'frame.set')).toBe(false)
    // The engine's refusal shows in the same place.
    await text.setValue('length:size=2,max=1')
    await w.find('form').trigger('submit')
    await settle()
    expect(w.find('[role="alert"]').text()).toBe('the engine refuses this one')
    expect(w.find('dialog').exists()).toBe(true)
  })

  it('takes a Kaitai Struct file by its path (and a framing to cut it by), and shows the compiler\'s line when it does not compile', async () => {
    const { w, fake } = await openDialog()
    await field(w, 'Framing').setValue('ksy')
    await field(w, '.ksy file (a path on the engine’s computer)').setValue('/tmp/bad.ksy')
    await nextTick()
    expect((field(w, 'Framing as text (--frame)').element as HTMLInputElement).value).toBe('ksy:/tmp/bad.ksy')
    await w.find('form').trigger('submit')
    await settle()
    expect(w.find('[role="alert"]').text()).toBe("/tmp/bad.ksy:6: /seq/0/enum: unable to find enum 'nope', searching from bad")
    await field(w, '.ksy file (a path on the engine’s computer)').setValue('/srv/game.ksy')
    await field(w, 'Cut by (optional)').setValue('length:size=2')
    await nextTick()
    expect((field(w, 'Framing as text (--frame)').element as HTMLInputElement).value).toBe('ksy:/srv/game.ksy,within=length:size=2')
    await w.find('form').trigger('submit')
    await settle()
    expect(fake.calls.filter((c) => c.cmd === 'frame.set').at(-1)!.args).toEqual({ capture: 'live', connId: 7, frame: 'ksy:/srv/game.ksy,within=length:size=2' })
  })

  it('fills the Kaitai fields from a ksy: framing typed, in Chinese too', async () => {
    const { w } = await openDialog('zh-CN')
    expect(field(w, '分帧').findAll('option').map((o) => o.text())).toContain('Kaitai Struct 文件…')
    await field(w, '分帧文本（--frame）').setValue('ksy:/srv/device.ksy')
    await nextTick()
    expect((field(w, '分帧').element as HTMLSelectElement).value).toBe('ksy')
    expect((field(w, '.ksy 文件（引擎所在计算机上的路径）').element as HTMLInputElement).value).toBe('/srv/device.ksy')
    expect(field(w, '切分方式（可选）').exists()).toBe(true)
  })

  it('takes a script file by its path, shows its load error\'s line, and fills the field from a script: framing typed, in Chinese too', async () => {
    const { w, fake } = await openDialog()
    await field(w, 'Framing').setValue('script')
    await field(w, 'Script file (.js or .ts, a path on the engine’s computer)').setValue('/tmp/none.js')
    await nextTick()
    expect((field(w, 'Framing as text (--frame)').element as HTMLInputElement).value).toBe('script:/tmp/none.js')
    await w.find('form').trigger('submit')
    await settle()
    expect(w.find('[role="alert"]').text()).toBe("/tmp/none.js exports no frame function: a script: framing needs export function frame(bytes, ctx) that returns the next message's length")
    await field(w, 'Script file (.js or .ts, a path on the engine’s computer)').setValue('/srv/device.ts')
    await w.find('form').trigger('submit')
    await settle()
    expect(fake.calls.filter((c) => c.cmd === 'frame.set').at(-1)!.args).toEqual({ capture: 'live', connId: 7, frame: 'script:/srv/device.ts' })

    const zh = (await openDialog('zh-CN')).w
    expect(field(zh, '分帧').findAll('option').map((o) => o.text())).toContain('脚本文件…')
    await field(zh, '分帧文本（--frame）').setValue('script:/srv/device.js')
    await nextTick()
    expect((field(zh, '分帧').element as HTMLSelectElement).value).toBe('script')
    expect((field(zh, '脚本文件（.js 或 .ts，引擎所在计算机上的路径）').element as HTMLInputElement).value).toBe('/srv/device.js')
  })

  it('starts from the framing chosen before, and can go back to what the connection says', async () => {
    const { w, fake } = await openDialog('en', { framing: 'length:size=4,endian=little', source: 'chosen' })
    expect((field(w, 'Framing').element as HTMLSelectElement).value).toBe('length')
    expect((field(w, 'Length field size').element as HTMLSelectElement).value).toBe('4')
    expect((field(w, 'Framing as text (--frame)').element as HTMLInputElement).value).toBe('length:size=4,endian=little')
    await w.findAll('button').find((b) => b.text() === 'Back to automatic')!.trigger('click')
    await settle()
    expect(fake.calls.find((c) => c.cmd === 'frame.set')!.args).toEqual({ capture: 'live', connId: 7, frame: '' })
  })

  it('speaks Chinese', async () => {
    const { w } = await openDialog('zh-CN')
    expect(w.find('dialog').attributes('aria-label')).toBe('将连接 #7 解码为…')
    expect(field(w, '分帧').findAll('option').map((o) => o.text())).toContain('长度前缀')
    expect(field(w, '字节序').exists()).toBe(true)
    expect(w.findAll('label').some((l) => l.text() === '应用于 p1 的所有连接')).toBe(true)
    expect(w.findAll('button').map((b) => b.text())).toEqual(['取消', '应用'])
  })
})

describe('Decode as… from a row, and the protocol a row names', () => {
  it("is on a connection's context menu, and opens the dialog for it", async () => {
    const { w } = await openDialog()
    useMessagesStore().decodeAs = undefined
    await nextTick()
    const menu = mount(ContextActions, { global: { plugins: [pinia, createAppI18n('en')] }, attachTo: document.body })
    mounted.push(menu)
    menu.vm.open({ connId: 7, conn: conn(7, 'raw') }, { x: 10, y: 10 })
    await settle()
    const item = [...document.querySelectorAll<HTMLElement>('[role="menuitem"]')].find((b) => b.textContent?.trim() === 'Decode as…')!
    item.click()
    await settle()
    expect(w.find('dialog').attributes('aria-label')).toBe('Decode connection #7 as…')
  })

  it('names a raw connection by the protocol its messages are, or the framing chosen', () => {
    const say = (k: string): string => k
    expect(protocolLabel({ protocol: 'raw', carries: 'resp' }, say)).toBe('RESP')
    expect(protocolLabel({ protocol: 'raw', carries: 'postgres' }, say)).toBe('PostgreSQL')
    expect(protocolLabel({ protocol: 'raw', carries: 'length' }, say)).toBe('length')
    expect(protocolLabel({ protocol: 'raw' }, say)).toBe('exchanges.proto.raw')
  })

  it('opens a connection whose messages are known on its Messages tab, until a tab is picked', () => {
    expect(openingTab({ ...conn(1, 'raw'), protocol: { protocol: 'raw', carries: 'resp' } })).toBe('messages')
    expect(openingTab(conn(1, 'raw'))).toBe('conversation')
    expect(openingTab(conn(1, 'http1'))).toBe('http')
  })
})

describe('a framing draft', () => {
  it('writes each framing as --frame takes it, defaults left out, and reads it back', () => {
    const d = emptyDraft()
    expect(draftSpec({ ...d, kind: 'line' })).toBe('line')
    expect(draftSpec({ ...d, kind: 'line', eol: 'crlf', max: '64KiB' })).toBe('line:eol=crlf,max=64KiB')
    expect(draftSpec({ ...d, kind: 'delimiter', hex: '0d0a' })).toBe('delimiter:hex=0d0a')
    expect(draftSpec({ ...d, kind: 'length', size: '4', offset: '2', adjust: '-6' })).toBe('length:size=4,offset=2,adjust=-6')
    expect(draftSpec({ ...d, kind: 'fixed', fixedSize: '8' })).toBe('fixed:size=8')
    expect(draftSpec({ ...d, kind: 'modbus' })).toBe('modbus')
    expect(draftOf('length:size=4,endian=little,adjust=-2', d)).toMatchObject({ kind: 'length', size: '4', endian: 'little', adjust: '-2' })
    expect(draftOf('line:max=1024', d)).toMatchObject({ kind: 'line', max: '1024' })
    expect(draftOf('nonsense', d)).toBeUndefined()
    expect(specProblem('fixed:size=8')).toBeUndefined()
    expect(specProblem('delimiter')).toMatch(/delimiter needs hex=/)
  })
})
