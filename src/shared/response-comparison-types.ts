// What a replayed HTTP response's comparison with the recorded one says, as the engine
// computes it (core/replay/header-differences.ts, body-differences.ts) and every front end
// shows it: the CLI prints it, the UI lays it out. One rule, so the two never disagree.

/** Response headers whose values differ on every answer of the same server (lower case): shown, never a difference. */
export const VOLATILE_RESPONSE_HEADERS: readonly string[] = ['date', 'age', 'expires']
/**
 * Headers that frame the body rather than say anything of their own (lower case): shown, but
 * the body's comparison counts what they frame, so a body one byte longer is one difference,
 * not two, and the same content sent chunked instead of with a length is none.
 */
export const FRAMING_RESPONSE_HEADERS: readonly string[] = ['content-length', 'transfer-encoding']

/** One header name of either response, with its values in both. */
export interface HeaderDifference {
  /** As the replayed response spells it (the recorded one's spelling when it is gone). */
  name: string
  /** Its values in the order sent (a header sent twice has two); empty when that response lacks it. */
  recorded: string[]
  replayed: string[]
  change: 'same' | 'changed' | 'added' | 'removed'
  /**
   * Shown but not counted: `volatile` (Date, Age, Expires change on every answer), `framing`
   * (Content-Length, Transfer-Encoding: the body's comparison counts them) or `rule` (a
   * header the user said may differ).
   */
  ignored?: 'volatile' | 'framing' | 'rule'
}

export interface HeaderComparison {
  /** Every name of either response: in the replayed order, a removed one after the header it followed. */
  rows: HeaderDifference[]
  /** Rows that count as differences (changed, added or removed, and not ignored). */
  differing: number
  /** The headers both have came in another order: a note, not a difference. */
  reordered: boolean
}

export interface DiffLine {
  change: 'same' | 'added' | 'removed'
  /** The line without its line ending, cut at MAX_DIFF_LINE_CHARS (with `…`). */
  text: string
}

/** Changed lines with a few lines of context around them, as a unified diff shows them. */
export interface DiffHunk {
  /** The hunk's first line in each body, from 1. */
  recordedLine: number
  replayedLine: number
  lines: DiffLine[]
}

export interface LineDiff {
  hunks: DiffHunk[]
  /** Lines were left out past MAX_DIFF_RESULT_LINES. */
  cut: boolean
  /** The diff gave up at its effort bound: the lines between the common first and last ones show as removed, then added. */
  coarse: boolean
}

/** One JSON value that differs, named by its path (`$.items[2].name`). */
export interface JsonChange {
  path: string
  change: 'changed' | 'added' | 'removed'
  /** The value as compact JSON, cut at MAX_JSON_VALUE_CHARS (with `…`); absent on the side that lacks it. */
  recorded?: string
  replayed?: string
}

export type BodyComparison =
  | { kind: 'same' }
  /** Both parsed as JSON: each differing value by its path, and a line diff of the pretty JSON. */
  | { kind: 'json'; changes: JsonChange[]; changeCount: number; lines: LineDiff }
  /** Text (in its charset): a line diff. */
  | { kind: 'text'; lines: LineDiff }
  /** Either is binary: where they first differ, and a 16-byte-aligned window of both from there. */
  | { kind: 'binary'; firstDifference: number; at: number; recorded: Uint8Array; replayed: Uint8Array }
  /** Not compared by content (a body past MAX_COMPARED_BODY, or not kept whole): the bytes as sent differ. */
  | { kind: 'bytes'; reason: string }

/** The body's side of a comparison, with what a person should know about it. */
export type BodyVerdict = BodyComparison & {
  /** Counted as a difference (false: the content is the same though the bytes are not, say the gzip stream). */
  differs: boolean
  /** Sizes of the content as sent (chunk framing removed, content coding left on). */
  recordedSize: number
  replayedSize: number
  /** Worth knowing, not a difference: "same content, encoded differently (gzip)". */
  note?: string
}

export interface ResponseComparison {
  headers: HeaderComparison
  body: BodyVerdict
}

/** How a response's content reads, once its content coding is undone. */
export interface ReadableContent {
  form: 'json' | 'text' | 'binary'
  /** The text's charset (a WHATWG label, `utf-8` unless Content-Type names another). */
  charset: string
  /** The content codings undone, in Content-Encoding order; empty when there were none (the body is the content). */
  codings: string[]
  /** With codings: the first bytes of the decoded content (as many as the body preview holds). */
  bytes?: Uint8Array
  /** The decoded size, when decoding reached the end within the comparison's bound. */
  size?: number
  /** Why the content coding could not be undone, in a phrase: the body is shown as sent. */
  problem?: string
  /** Decoding stopped short (the comparison's bound, or a ratio that says decompression bomb), in the body pipeline's words. */
  note?: string
}

/** The most of a body (as sent, and decoded) compared by content; past it, bodies are compared as bytes. */
export const MAX_COMPARED_BODY = 4 * 1024 * 1024
/** The most JSON changes a comparison lists (`changeCount` counts them all). */
export const MAX_JSON_CHANGES = 200
export const MAX_JSON_VALUE_CHARS = 120
/** A longer path keeps its end (`$…[0].name`): where the value is matters most. */
export const MAX_JSON_PATH_CHARS = 240
/**
 * The most lines of a line diff a comparison carries, and of one line: a keep-alive sequence
 * keeps up to MAX_SEQUENCE_REQUESTS results, so what each carries stays within ~160 KB.
 */
export const MAX_DIFF_RESULT_LINES = 400
export const MAX_DIFF_LINE_CHARS = 200
/**
 * The `diff` library's effort bounds (engine and page alike): Myers' cost grows with lines
 * times edits, so past 200 ms or 4000 edits the middle shows coarsely (removed, then added).
 */
/** Lines of unchanged context around each change in a line diff's hunks. */
export const DIFF_CONTEXT_LINES = 3
export const DIFF_TIMEOUT_MS = 200
export const MAX_DIFF_EDIT_LENGTH = 4000
