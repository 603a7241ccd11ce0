// `tcpscope replay FILE --conn ID --exchange N`: one captured HTTP request sent again.
// TODO(helper): being built now; replaced before this session ends or removed.

import { UsageError } from '../args'
import type { Io } from '../output'
import type { ReplayValues } from './replay-options'

export async function runHttpReplay(_values: ReplayValues, _path: string, _io: Io): Promise<number> {
  throw new UsageError('replay --exchange: not built yet')
}
