// @vitest-environment jsdom
// A radio group has one tab stop, the checked option; the arrows check the next or previous
// option round the ends and take the focus with them; Home and End go to the ends.
import { mount } from '@vue/test-utils'
import { defineComponent, h, nextTick, ref } from 'vue'
import { afterEach, describe, expect, it } from 'vitest'
import RovingRadioGroup from '../../../src/renderer/src/ui/RovingRadioGroup.vue'
import { radioAfterKey } from '../../../src/renderer/src/ui/roving-radio'

const MODES = ['text', 'hex', 'regex'] as const

describe('radio after a key', () => {
  it('moves round the ends, and to them with Home and End', () => {
    expect(radioAfterKey(MODES, 'text', 'ArrowRight')).toBe('hex')
    expect(radioAfterKey(MODES, 'text', 'ArrowDown')).toBe('hex')
    expect(radioAfterKey(MODES, 'regex', 'ArrowRight')).toBe('text')
    expect(radioAfterKey(MODES, 'text', 'ArrowLeft')).toBe('regex')
    expect(radioAfterKey(MODES, 'hex', 'ArrowUp')).toBe('text')
    expect(radioAfterKey(MODES, 'hex', 'Home')).toBe('text')
    expect(radioAfterKey(MODES, 'hex', 'End')).toBe('regex')
    expect(radioAfterKey(MODES, 'hex', 'Enter')).toBeUndefined()
    expect(radioAfterKey([], 'hex', 'ArrowRight')).toBeUndefined()
  })
})

describe('RovingRadioGroup', () => {
  const mounted: Array<{ unmount(): void }> = []
  afterEach(() => mounted.splice(0).forEach((w) => w.unmount()))

  function group() {
    const mode = ref<(typeof MODES)[number]>('text')
    const w = mount(
      defineComponent({
        setup: () => () =>
          h(
            RovingRadioGroup<(typeof MODES)[number]>,
            { options: MODES, label: 'Find as', modelValue: mode.value, 'onUpdate:modelValue': (m: (typeof MODES)[number]) => (mode.value = m), optionClass: (m: string) => `mode-${m}` },
            { default: ({ option }: { option: string }) => `as ${option}` }
          )
      }),
      { attachTo: document.body }
    )
    mounted.push(w)
    return { w, mode }
  }
  const radios = (w: ReturnType<typeof group>['w']) => w.findAll('[role=radio]')

  it('is a named group of radios with one tab stop, the checked one', () => {
    const { w } = group()
    expect(w.find('[role=radiogroup]').attributes('aria-label')).toBe('Find as')
    expect(radios(w).map((r) => [r.text(), r.attributes('aria-checked'), r.attributes('tabindex')])).toEqual([
      ['as text', 'true', '0'],
      ['as hex', 'false', '-1'],
      ['as regex', 'false', '-1']
    ])
    expect(radios(w)[2].classes()).toContain('mode-regex')
  })

  it('checks a clicked option', async () => {
    const { w, mode } = group()
    await radios(w)[2].trigger('click')
    expect(mode.value).toBe('regex')
    expect(radios(w)[2].attributes('aria-checked')).toBe('true')
  })

  it('moves the check and the focus with the arrows, round the ends', async () => {
    const { w, mode } = group()
    await radios(w)[0].trigger('keydown', { key: 'ArrowLeft' })
    await nextTick()
    expect(mode.value).toBe('regex')
    expect(document.activeElement).toBe(radios(w)[2].element)
    await radios(w)[2].trigger('keydown', { key: 'ArrowRight' })
    await nextTick()
    expect(mode.value).toBe('text')
    expect(document.activeElement).toBe(radios(w)[0].element)
    await radios(w)[0].trigger('keydown', { key: 'End' })
    await nextTick()
    expect(mode.value).toBe('regex')
  })
})
