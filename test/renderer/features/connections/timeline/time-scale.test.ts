// The timeline's time axis: zooming keeps the time under the pointer in place, panning
// keeps some of the capture on screen, ticks fall on round steps with labels to match.
import { describe, expect, it } from 'vitest'
import { clampView, fitView, MIN_SPAN, niceStep, panBy, tickLabel, ticks, timeAt, xOf, zoomAt } from '../../../../../src/renderer/src/features/connections/timeline/time-scale'

const extent = { from: 1000, to: 2000 }

describe('time scale', () => {
  it('fits the extent with a little room at each end, and maps times to pixels and back', () => {
    const v = fitView(extent)
    expect(v).toEqual({ start: 980, span: 1040 })
    expect(xOf(v, 1040, 1000)).toBe(20)
    expect(timeAt(v, 1040, 20)).toBe(1000)
    expect(fitView({ from: 5, to: 5 }).span).toBeGreaterThan(0)
  })

  it('zooms in and out around an anchor that stays at the same place on screen', () => {
    const v = fitView(extent)
    const anchor = 1500
    const before = xOf(v, 800, anchor)
    const zoomed = zoomAt(v, 4, anchor, extent)
    expect(zoomed.span).toBeCloseTo(260)
    expect(xOf(zoomed, 800, anchor)).toBeCloseTo(before)
    const back = zoomAt(zoomed, 1 / 4, anchor, extent)
    expect(back.span).toBeCloseTo(v.span)
    expect(back.start).toBeCloseTo(v.start)
  })

  it('stops zooming in at ten microseconds and out at a few times the whole capture', () => {
    let v = fitView(extent)
    for (let i = 0; i < 100; i++) v = zoomAt(v, 10, 1500, extent)
    expect(v.span).toBe(MIN_SPAN)
    for (let i = 0; i < 100; i++) v = zoomAt(v, 0.1, 1500, extent)
    expect(v.span).toBeCloseTo(fitView(extent).span * 4)
  })

  it('pans, but never so far that the capture leaves the screen', () => {
    const v = { start: 1400, span: 100 }
    expect(panBy(v, 50, extent)).toEqual({ start: 1450, span: 100 })
    expect(panBy(v, 10_000, extent).start).toBe(2000 - 10)
    expect(panBy(v, -10_000, extent).start).toBe(1000 - 90)
    expect(clampView({ start: 1500, span: 100 }, extent)).toEqual({ start: 1500, span: 100 })
  })

  it('puts ticks on 1, 2 or 5 times a power of ten, at least the given gap apart', () => {
    expect([0.3, 1, 1.5, 3, 7, 70, 200].map(niceStep)).toEqual([0.5, 1, 2, 5, 10, 100, 200])
    const { step, at } = ticks({ start: 980, span: 1040 }, 800, 1000, 90)
    expect(step).toBe(200)
    expect(at).toEqual([1000, 1200, 1400, 1600, 1800, 2000])
    expect(at.every((t, i) => i === 0 || xOf({ start: 980, span: 1040 }, 800, t) - xOf({ start: 980, span: 1040 }, 800, at[i - 1]) >= 90)).toBe(true)
  })

  it('labels ticks in the unit and precision of their step', () => {
    expect(tickLabel(0, 200)).toBe('0 ms')
    expect(tickLabel(400, 200)).toBe('+400 ms')
    expect(tickLabel(2500, 500)).toBe('+2500 ms')
    expect(tickLabel(4000, 2000)).toBe('+4 s')
    expect(tickLabel(1500, 500)).toBe('+1500 ms')
    expect(tickLabel(1.5, 0.5)).toBe('+1.5 ms')
    expect(tickLabel(0.5, 0.5)).toBe('+0.5 ms')
    expect(tickLabel(0.04, 0.02)).toBe('+40 µs')
    expect(tickLabel(-20, 20)).toBe('-20 ms')
  })
})
