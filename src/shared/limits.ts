// Bounds and defaults that the contract checks, the engine applies and the CLI and the UI
// state, each defined once so all of them say the same.

/** Node's timers hold at most this many milliseconds (about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647
/** Waiting longer than an hour for a TCP connect is never what someone meant. */
export const MAX_CONNECT_TIMEOUT_MS = 3_600_000
/** How long a connect to a target may take when nobody says (proxies, client sessions, replays). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** How long a replay waits for each answer (and a recorded server for each client turn) when nobody says. */
export const DEFAULT_REPLAY_TIMEOUT_MS = 2000
/** How long an expect (a session's wait for a reply that matches) waits when nobody says. */
export const DEFAULT_EXPECT_TIMEOUT_MS = 5000
/** Connections a whole-capture replay runs at once when nobody says. */
export const DEFAULT_CAPTURE_REPLAY_CONCURRENCY = 64
/** Interval sends and reply waits: up to a day. */
export const MAX_INTERVAL_MS = 86_400_000
/** Connection ids are 32-bit in the capture format. */
export const MAX_CONN_ID = 0xffff_ffff

/** A page of the connection list, or of a connection's events, holds at most this many. */
export const MAX_PAGE = 10_000
/** A page of a connection's decoded exchanges or messages holds at most this many. */
export const MAX_DECODED_PAGE = 1000
/** One read of a direction's bytes, or of a body or payload, returns at most this many bytes. */
export const MAX_READ = 16 * 1024 * 1024
/**
 * An upload, download or export read in pieces that its front end leaves this long is
 * dropped: a page that went away sends or reads nothing more, and what it held should go.
 */
export const TRANSFER_IDLE_MS = 60_000

/**
 * Decoded bytes of one HTTP body that a view shows or an export writes at most, unless asked
 * otherwise (HAR's `bodyLimit`, `tcpscope export --body-limit`): a body inflating past it
 * is cut there, and says so.
 */
export const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024
/** The largest body limit that may be asked: a bound, not a target (exports stream it). */
export const MAX_BODY_LIMIT = 4 * 1024 * 1024 * 1024
/**
 * Decoding stops early once it has given more than BODY_RATIO_FLOOR bytes at more than
 * BODY_RATIO_MAX to 1 of what it took in: text and JSON deflate 3 to 20 times, while a
 * decompression bomb (2 MiB of gzip inflating to 2 GiB of zeros) runs at 1000 to 1.
 */
export const BODY_RATIO_FLOOR = 1024 * 1024
export const BODY_RATIO_MAX = 100
/**
 * JSON and XML bodies up to this size are pretty-printed; larger ones show as paged text:
 * pretty-printing holds the whole text and a tree of it, and past a few MiB a page stalls.
 */
export const PRETTY_MAX = 4 * 1024 * 1024

/**
 * Items (fields, repeat elements, instances) one run of a `.ksy`'s parser makes at most. A
 * repeat of nothing (`size: 0`, `repeat-expr: 1000000000`) made about a million in its 250 ms,
 * over 200 MiB of the engine's heap, before the time budget stopped it; 100,000 are some
 * 20 MiB, far more than a message's tree shows (2,000 fields).
 */
export const KSY_MAX_ITEMS = 100_000
/**
 * Bytes one run of a `.ksy`'s parser may copy or decode at most (strings, `process:`, fields
 * cut at a terminator or padding): twice the message limit. A field's bytes are a view of the
 * message, but items that each decode the whole message again (an instance at `pos: 0`)
 * copied 160 MiB within the run's 250 ms on a busy 2-core machine (more on a faster one),
 * every copy kept until the run ended.
 */
export const KSY_MAX_MADE = 32 * 1024 * 1024
