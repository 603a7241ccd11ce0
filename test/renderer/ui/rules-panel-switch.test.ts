// @vitest-environment jsdom
// A rules panel's on/off switch (breakpoints, toxics, traffic rules) asks for the state each
// click shows, whether or not the rows have caught up with the click before: on, off, on
// clicked faster than the rows came back once asked for off twice (the stale row's opposite),
// and left a toxic off under a switch that said on.
import { mount } from '@vue/test-utils'
import { defineComponent, h, nextTick, ref } from 'vue'
import { afterEach, describe, expect, it } from 'vitest'
import RulesPanel from '../../../src/renderer/src/ui/dialog/RulesPanel.vue'
import { createAppI18n } from '../../../src/renderer/src/platform/i18n'

interface Row {
  name: string
  enabled: boolean
}

describe('a rules panel switch', () => {
  const mounted: Array<{ unmount(): void }> = []
  afterEach(() => mounted.splice(0).forEach((w) => w.unmount()))

  function panel() {
    const rows = ref<Row[]>([{ name: 'latency_downstream', enabled: true }])
    const asked: boolean[] = []
    const w = mount(
      defineComponent({
        setup: () => () =>
          h(
            RulesPanel<Row>,
            {
              title: 'Faults of p1',
              closeLabel: 'Close',
              width: 600,
              rows: rows.value,
              rowKey: (r: Row) => r.name,
              columns: ['name'],
              emptyText: 'none',
              tableLabel: 'Toxics',
              toggleLabel: (r: Row) => `Toxic ${r.name} on`,
              formLabel: 'Add toxic',
              onToggle: (_r: Row, on: boolean) => asked.push(on)
            },
            { cells: ({ row }: { row: Row }) => h('td', row.name) }
          )
      }),
      // The app's i18n, which says the panel's engine errors in its language.
      { attachTo: document.body, global: { plugins: [createAppI18n('en')] } }
    )
    mounted.push(w)
    const box = (): HTMLInputElement => document.body.querySelector('input[role="switch"]') as HTMLInputElement
    return { rows, asked, box }
  }

  it('asks for what each click shows, before the rows answer the last one too', async () => {
    const { rows, asked, box } = panel()
    box().click()
    box().click()
    expect(asked).toEqual([false, true])
    expect(box().checked).toBe(true)
    // The engine's answers come: the rows say on again, and so does the switch.
    rows.value = [{ name: 'latency_downstream', enabled: false }]
    await nextTick()
    rows.value = [{ name: 'latency_downstream', enabled: true }]
    await nextTick()
    expect(box().checked).toBe(true)
  })

  it('shows what the rows say when they change', async () => {
    const { rows, box } = panel()
    expect(box().checked).toBe(true)
    rows.value = [{ name: 'latency_downstream', enabled: false }]
    await nextTick()
    expect(box().checked).toBe(false)
  })
})
