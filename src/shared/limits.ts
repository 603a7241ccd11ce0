// Bounds that the contract checks and the CLI states, in one place so both say the same.

/** Node's timers hold at most this many milliseconds (about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647
/** Waiting longer than an hour for a TCP connect is never what someone meant. */
export const MAX_CONNECT_TIMEOUT_MS = 3_600_000
/** Interval sends and reply waits: up to a day. */
export const MAX_INTERVAL_MS = 86_400_000
/** Connection ids are 32-bit in the capture format. */
export const MAX_CONN_ID = 0xffff_ffff
