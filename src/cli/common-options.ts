import { FRAME_GRAMMAR } from '../shared/message-types'
// Options that mean the same in several commands, described once.

export const LISTEN_OPTION = {
  listen: {
    type: 'string',
    arg: '[HOST:]PORT|PATH',
    about: 'where to listen: a port alone means 127.0.0.1:PORT, 0 picks a free port, [::1]:PORT for IPv6, a path is a Unix socket'
  }
} as const

export const CAPTURE_OPTIONS = {
  capture: { type: 'string', arg: 'FILE', about: 'record everything into FILE (default: a temporary file, deleted at exit); an existing file is refused unless --force' },
  force: { type: 'boolean', about: 'replace an existing file at --capture (never one another tcpscope is still recording)' }
} as const

export const QUIET_OPTION = {
  quiet: { type: 'boolean', about: 'no per-event lines (errors, warnings and the summary still print)' }
} as const

/** --json on the long-running commands, and what its first and last lines are. */
export const jsonOption = (first: string) =>
  ({
    json: { type: 'boolean', about: `JSON lines instead: the first is ${first} with the real address, the last the summary; bytes as hex` }
  }) as const

/** `--frame SPEC`: how connections are cut into messages (proxy, serve, connect, show). */
export const FRAME_OPTION = {
  frame: {
    type: 'string',
    arg: 'SPEC',
    about: `cut each connection's streams into messages: ${FRAME_GRAMMAR}; default: the protocol its first bytes or its port say (redis, PostgreSQL, MySQL, MQTT, Modbus, DNS), else none`
  }
} as const
