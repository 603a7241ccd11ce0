// The Frames view's columns and the text of each row's cells, as Wireshark lists HTTP/2:
// number, time since the connection opened, direction, type, stream, length, flags and what
// the frame says (`END_STREAM`, `SETTINGS_MAX_CONCURRENT_STREAMS=100`, `CANCEL`, `+65535`).

import type { H2Frame } from '../../../../shared/protocol-types'
import { formatDuration, WALL_CLOCK_MS } from '../../ui/ui-readable'
import type { GridColumn } from '../../ui/grid/useSortColumns'

export const FRAME_COLUMNS: Array<GridColumn<never>> = [
  { key: 'index', num: true, cellClass: 'mono dim' },
  { key: 'time', num: true, cellClass: 'mono dim' },
  { key: 'dir' },
  { key: 'type', cellClass: 'mono' },
  { key: 'stream', num: true, cellClass: 'mono' },
  { key: 'length', num: true, cellClass: 'mono' },
  { key: 'flags', cellClass: 'mono dim' },
  { key: 'info', cellClass: 'mono', titled: true }
]

/** A row's cells while its page is on its way. */
export const LOADING_FRAME = { index: '…', time: '', dir: '', type: '', stream: '', length: '', flags: '', info: '', tone: '' }
export type FrameCells = typeof LOADING_FRAME

/**
 * A stream reset, or a connection ended for an error: the warning colour, never a direction's.
 * A GOAWAY (or a reset) with NO_ERROR is a graceful end, as every Node client's close sends.
 */
const ENDING = new Set(['RST_STREAM', 'GOAWAY'])
const isError = (f: H2Frame): boolean => ENDING.has(f.typeName) && !/\bNO_ERROR\b/.test(f.info)

/** Time since the connection opened, as the conversation's relative times read (`+12 ms`). */
export const sinceOpen = (ms: number): string => (ms > 0 ? `+${formatDuration(ms, WALL_CLOCK_MS)}` : '+0')

export function frameCells(f: H2Frame, openedAt: number): FrameCells {
  return {
    index: String(f.index + 1),
    time: sinceOpen(f.time - openedAt),
    dir: f.dir === 'client' ? '→' : '←',
    type: f.typeName,
    stream: String(f.stream),
    length: String(f.length),
    flags: f.flags ? `0x${f.flags.toString(16).padStart(2, '0')}` : '',
    info: f.info,
    tone: isError(f) ? 'warn' : ''
  }
}
