// Node fires a timer of more than 2^31 - 1 ms at once: a longer wait is as good as forever,
// so toxics' and breakpoints' long timeouts are clamped to it rather than firing now.

export const timerMs = (ms: number): number => Math.min(ms, 2 ** 31 - 1)
