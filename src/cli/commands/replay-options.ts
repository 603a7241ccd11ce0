// The options of `tcpscope replay`, shared by its modes: raw TCP (replay.ts), by message
// (replay-messages.ts), one HTTP request (replay-http.ts) and a recorded server
// (replay-server.ts). The modes that read ReplayValues keep no part of this table: theirs
// is written here, so no mode and this table import each other.

import type { Parsed } from '../args'
import type { OptionTable } from '../command-spec'
import { DEFAULT_REPLAY_TIMEOUT_MS } from '../../shared/limits'
import { EDIT_OPTIONS } from './replay-edits'
import { REPLAY_TLS_OPTIONS } from '../tls-options'

export const REPLAY_OPTIONS = {
  conn: { type: 'string', arg: 'ID', about: 'the connection to replay, by its id in `tcpscope ls`' },
  target: { type: 'string', arg: 'HOST:PORT|PATH', about: "where to send it (default: the connection's own target)" },
  strategy: {
    type: 'string',
    arg: 'turns|timing|burst',
    about: "turns (default): each client turn once the server's answer to the last has fully arrived (or --timeout passed); timing: the recorded gaps between client turns; burst: everything at once"
  },
  timeout: { type: 'string', arg: 'MS', about: `how long to wait for an answer with turns, and for the last answer with every strategy (default ${DEFAULT_REPLAY_TIMEOUT_MS})` },
  hex: { type: 'boolean', about: 'print the answers as an xxd-style hex dump instead of text' },
  raw: { type: 'boolean', about: 'HTTP: print the response body as it came (content coding left on), not decoded' },
  ...EDIT_OPTIONS,
  'by-message': { type: 'boolean', about: "raw replay by message: each client message (cut by --frame, else as `show` cuts the connection) once the answers recorded for it came, compared message by message; with --as-server, answer each message a client sends with the server messages recorded for it" },
  'edit-message': { type: 'string', multiple: true, arg: 'N=TEXT', about: 'with --by-message: send TEXT (escapes \\r \\n \\t \\0 \\xHH \\\\; hex:HEX for bytes) as message N (numbered as `show` numbers it), its lengths refit by the framing' },
  'no-fix-length': { type: 'boolean', about: 'with --by-message: send edited messages exactly as given, lengths not refit' },
  frame: { type: 'string', arg: 'SPEC', about: 'with --by-message: cut the connection this way (the --frame grammar of show)' },
  json: { type: 'boolean', about: 'print the result as one JSON object (answers as hex)' },
  exchange: { type: 'string', arg: 'N|N-M|N,M,...', about: 'HTTP: replay the request of exchange N (from 1) of the connection; several (1-3, or 1,2,3) go in order on one keep-alive connection' },
  request: { type: 'string', arg: 'FILE', about: 'HTTP: send the request in FILE (an edited copy; - reads stdin) instead of the captured one, and compare the response with the recorded one; an HTTP/2 request in its text form: its pseudo-headers as the first lines (:method: GET), then its headers, a blank line and the body' },
  as: { type: 'string', arg: 'sent|delivered', about: "HTTP: sent (default) = the request as the client sent it; delivered = as the target got it, after the proxy's rules or script changed it (read from the capture's rule records)" },
  'fix-length': { type: 'boolean', about: 'HTTP: set Content-Length (and Host, to the target) to fit the request sent; off for byte-exact replay' },
  count: { type: 'string', arg: 'N', about: 'HTTP: send the request N times and print a summary (status counts, latency p50 and p99)' },
  concurrency: { type: 'string', arg: 'M', about: 'HTTP, with --count: at most M requests at a time (default 1)' },
  'as-server': { type: 'boolean', about: "listen and play the connection's server turns to whatever client connects" },
  listen: { type: 'string', arg: '[HOST:]PORT|PATH', about: 'with --as-server: where to listen' },
  all: { type: 'boolean', about: 'replay every connection of the capture (or those --filter picks) against --target, turn by turn, and sum up which answers differed' },
  filter: { type: 'string', arg: 'WORDS', about: 'with --all: only the connections these filter words pick, as in the UI (e.g. "port:6379 -state:reset")' },
  speed: { type: 'string', arg: 'X', about: 'with --all: start connections at their recorded times, X times as fast (default 1; 0: all at once)' },
  'ignore-header': {
    type: 'string',
    multiple: true,
    arg: 'NAME',
    about: 'HTTP (--exchange or --all): a response header whose value may differ, shown but not counted (Date, Age, Expires, Content-Length and Transfer-Encoding never count)'
  },
  'ignore-body': { type: 'string', arg: 'REGEX', about: 'with --all: text in HTTP response bodies that may differ (a timestamp, an id)' },
  ...REPLAY_TLS_OPTIONS
} as const satisfies OptionTable

export type ReplayValues = Parsed<typeof REPLAY_OPTIONS>['values']
