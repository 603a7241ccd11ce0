// A scrollbar for content taller than a browser lets an element be. A 1 GiB stream is 67
// million hex rows, over a billion pixels; Chromium stops laying out near 33 million pixels
// and Firefox near 18 million. So the scroll element's own height is capped and its
// scrollTop maps linearly onto a position in the whole content, which the view keeps
// itself; under the cap the two are the same and the native scrolling is untouched.

/** Well under every browser's limit on an element's height. */
export const MAX_SCROLL_PX = 8_000_000

export interface ScrollFrame {
  /** Height of the whole content, in pixels at its real scale. */
  contentPx: number
  /** Height of the visible part. */
  viewPx: number
}

/** The spacer's height: the content's, or the cap. */
export const scrollPxFor = (contentPx: number): number => Math.min(contentPx, MAX_SCROLL_PX)

const maxPos = (f: ScrollFrame): number => Math.max(0, f.contentPx - f.viewPx)
const maxScroll = (f: ScrollFrame): number => Math.max(0, scrollPxFor(f.contentPx) - f.viewPx)

export const clampPos = (pos: number, f: ScrollFrame): number => Math.max(0, Math.min(maxPos(f), pos))

/** The content position a scrollTop stands for. */
export function posFromScrollTop(scrollTop: number, f: ScrollFrame): number {
  const m = maxScroll(f)
  if (m <= 0) return 0
  if (f.contentPx <= MAX_SCROLL_PX) return clampPos(scrollTop, f)
  return clampPos((scrollTop / m) * maxPos(f), f)
}

/** The scrollTop that shows a content position. */
export function scrollTopFromPos(pos: number, f: ScrollFrame): number {
  const m = maxPos(f)
  if (m <= 0) return 0
  if (f.contentPx <= MAX_SCROLL_PX) return clampPos(pos, f)
  return (clampPos(pos, f) / m) * maxScroll(f)
}

export const isScaled = (f: ScrollFrame): boolean => f.contentPx > MAX_SCROLL_PX

/** At the end, give or take a pixel of rounding. */
export const atEnd = (pos: number, f: ScrollFrame): boolean => pos >= maxPos(f) - 1
