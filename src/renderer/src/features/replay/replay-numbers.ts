// The replay panels' number options as the engine takes them.

/** What a replay waits for each answer, until changed: the engine's own default. */
export { DEFAULT_REPLAY_TIMEOUT_MS } from '../../../../shared/limits'

/** A number field's value as a whole number within bounds; an empty or unreadable field is its default. */
export const wholeIn = (v: unknown, min: number, max: number, fallback: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.floor(v))) : fallback
