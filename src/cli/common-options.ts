import { FRAME_GRAMMAR } from '../shared/message-types'
import { WHEN_DISK_IS_SLOW, type WhenDiskIsSlow } from '../shared/capture-types'
import { oneOfFlag } from './args'
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

/** `--when-disk-is-slow pause|drop`: the capture's, so every command that records for long (proxy, up, web) takes it. */
export const DISK_SLOW_OPTION = {
  'when-disk-is-slow': {
    type: 'string',
    arg: 'pause|drop',
    about: 'when the capture file falls behind the traffic: pause the sockets until it catches up (default; nothing is lost), or drop what it cannot keep and record a gap in its place (the traffic runs at full speed)'
  }
} as const

export const whenDiskIsSlowOf = (command: string, value: string | undefined): WhenDiskIsSlow | undefined => oneOfFlag(command, value, '--when-disk-is-slow', WHEN_DISK_IS_SLOW)

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
