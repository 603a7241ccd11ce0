// The exports part of the engine's command table: HAR, pcapng, a curl command, or one
// connection's bytes or events, written to a path on the engine's host or kept as a
// download (capture.export), or read in pieces as they are made (capture.export.*).

import type { CommandTable } from '../command-table'
import type { Captures } from '../capture/open-captures'
import type { Exports } from './exports'
import type { ExportStreams } from './export-streams'

export type ExportCommand = 'capture.export' | 'capture.export.begin' | 'capture.export.read' | 'capture.export.end'

export function exportCommands(captures: Pick<Captures, 'get'>, exports: Exports, streams: ExportStreams): CommandTable<ExportCommand> {
  return {
    'capture.export': async (args, ctx) => exports.run(captures.get(args.capture), args, ctx?.signal),
    'capture.export.begin': async (args, ctx) => streams.begin(captures.get(args.capture), args, ctx?.signal),
    'capture.export.read': (args, ctx) => streams.read(args.stream, args.length, ctx?.signal),
    'capture.export.end': async (args) => streams.end(args.stream)
  }
}
