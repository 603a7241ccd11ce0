// The timeline's time axis: which stretch of time is on screen (a start and a span, in
// wall-clock ms), how it maps to pixels, how zooming keeps the time under the pointer
// where it is, how far panning may go, and where the ticks fall (1, 2 or 5 times a power
// of ten, far enough apart to label). Plain numbers, so they can be tested.

export interface TimeView {
  start: number
  span: number
}

export interface Extent {
  from: number
  to: number
}

/** The closest zoom: 10 µs across the chart. */
export const MIN_SPAN = 0.01
/** A fitted view leaves this share of its span free at each end. */
const FIT_PAD = 0.02
/** Panning keeps at least this share of the view over the extent. */
const KEEP = 0.1

export const xOf = (v: TimeView, width: number, t: number): number => ((t - v.start) / v.span) * width
export const timeAt = (v: TimeView, width: number, x: number): number => v.start + (x / width) * v.span

/** The whole extent, with a little room at each end. */
export function fitView(e: Extent): TimeView {
  const span = Math.max(e.to - e.from, 1)
  return { start: e.from - span * FIT_PAD, span: span * (1 + 2 * FIT_PAD) }
}

/** The widest view worth showing: the fitted one, several times over. */
const maxSpan = (e: Extent): number => fitView(e).span * 4

/** Zooms by `factor` (above 1: in) keeping time `anchor` at the same place on screen. */
export function zoomAt(v: TimeView, factor: number, anchor: number, e: Extent): TimeView {
  const span = Math.min(maxSpan(e), Math.max(MIN_SPAN, v.span / factor))
  const start = anchor - (anchor - v.start) * (span / v.span)
  return clampView({ start, span }, e)
}

export function panBy(v: TimeView, ms: number, e: Extent): TimeView {
  return clampView({ start: v.start + ms, span: v.span }, e)
}

/** Keeps some of the extent on screen, so panning never loses every bar. */
export function clampView(v: TimeView, e: Extent): TimeView {
  const lo = e.from - v.span * (1 - KEEP)
  const hi = Math.max(lo, e.to - v.span * KEEP)
  return { start: Math.min(hi, Math.max(lo, v.start)), span: v.span }
}

/** 1, 2 or 5 times a power of ten: the smallest such step at least `raw`. */
export function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power
  return 10 * power
}

/** Tick times across the view, at least `minGap` pixels apart, on multiples of the step from `origin`. */
export function ticks(v: TimeView, width: number, origin: number, minGap = 90): { step: number; at: number[] } {
  const step = niceStep((v.span * minGap) / Math.max(1, width))
  const first = origin + Math.ceil((v.start - origin) / step) * step
  const at: number[] = []
  for (let t = first; t <= v.start + v.span && at.length < 1000; t += step) at.push(t)
  return { step, at }
}

/** A tick's label: its time since `origin`, with as many decimals as the step needs. */
export function tickLabel(ms: number, step: number): string {
  const [unit, scale] = step >= 1000 ? ['s', 1000] : step >= 0.1 ? ['ms', 1] : ['µs', 0.001]
  const value = ms / (scale as number)
  const decimals = Math.max(0, -Math.floor(Math.log10(step / (scale as number)) + 1e-9))
  const text = value.toFixed(decimals)
  return `${value > 0 ? '+' : ''}${text === '-0' ? '0' : text} ${unit}`
}
