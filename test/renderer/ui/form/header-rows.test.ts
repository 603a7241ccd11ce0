// @vitest-environment jsdom
// Header rows show the parent's rows and say what the person did: a typed name or value, Add
// (the new row's name then has the focus), remove, and, when movable, move up and down, the
// ends' buttons disabled. Every field and button is named by its row; a row with a problem is
// marked and says why.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import HeaderRows, { type HeaderRow } from '../../../../src/renderer/src/ui/form/HeaderRows.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'

const ROWS: HeaderRow[] = [
  { key: 'a', name: 'Host', value: 'echo.test' },
  { key: 'b', name: 'X Echo', value: 'captured' }
]

const mounted: Array<{ unmount(): void }> = []
afterEach(() => mounted.splice(0).forEach((w) => w.unmount()))

/** Mounted as a parent holds it: Add puts an empty row at the end of the rows it shows. */
function setup(props: { rows?: HeaderRow[]; problems?: (string | undefined)[]; movable?: boolean; label?: string } = {}) {
  const onAdd = (): void => void w.setProps({ rows: [...w.props('rows'), { key: 'new', name: '', value: '' }] })
  const w: VueWrapper<InstanceType<typeof HeaderRows>> = mount(HeaderRows, {
    props: { rows: ROWS, texts: 'replayHttp.structured', onAdd, ...props },
    global: { plugins: [createAppI18n('en')] },
    attachTo: document.body
  })
  mounted.push(w)
  const button = (name: string) => w.find<HTMLButtonElement>(`button[aria-label="${name}"]`)
  const input = (name: string) => w.find<HTMLInputElement>(`input[aria-label="${name}"]`)
  return { w, button, input }
}

describe('HeaderRows', () => {
  it('names every field and button by its row, and says a row’s problem', () => {
    const { w, input, button } = setup({ problems: [undefined, 'the name has a space'] })
    expect(w.find('table').attributes('aria-label')).toBe('Request headers')
    expect(input('Header 1 name').element.value).toBe('Host')
    expect(input('Header 2 value (X Echo)').element.value).toBe('captured')
    expect(button('Remove header 2 (X Echo)').exists()).toBe(true)
    expect(button('Move header 1 (Host) up').exists()).toBe(false)
    const bad = w.findAll('tbody tr')[1]
    expect(bad.classes()).toContain('bad')
    expect(bad.attributes('title')).toBe('the name has a space')
    expect(input('Header 2 name').attributes('aria-invalid')).toBe('true')
    expect(input('Header 1 name').attributes('aria-invalid')).toBeUndefined()
  })

  it('says what was typed, removed and moved, by row index', async () => {
    const { w, input, button } = setup({ movable: true, label: 'Response headers' })
    expect(w.find('table').attributes('aria-label')).toBe('Response headers')
    await input('Header 2 value (X Echo)').setValue('edited')
    await input('Header 1 name').setValue('host')
    expect(w.emitted('set')).toEqual([
      [1, 'value', 'edited'],
      [0, 'name', 'host']
    ])
    expect(button('Move header 1 (Host) up').element.disabled).toBe(true)
    expect(button('Move header 2 (X Echo) down').element.disabled).toBe(true)
    await button('Move header 2 (X Echo) up').trigger('click')
    await button('Move header 1 (Host) down').trigger('click')
    expect(w.emitted('move')).toEqual([
      [1, -1],
      [0, 1]
    ])
    await button('Remove header 1 (Host)').trigger('click')
    expect(w.emitted('remove')).toEqual([[0]])
  })

  it('gives the focus to the new row’s name after Add, and shows no table without rows', async () => {
    const { w, input } = setup({ rows: [] })
    expect(w.find('table').exists()).toBe(false)
    const add = w.findAll('button').find((b) => b.text() === 'Add header')!
    await add.trigger('click')
    await flushPromises()
    expect(w.emitted('add')).toHaveLength(1)
    expect(document.activeElement).toBe(input('Header 1 name').element)
  })
})
