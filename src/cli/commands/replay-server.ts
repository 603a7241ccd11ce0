// `tcpscope replay FILE --conn ID --as-server --listen [HOST:]PORT`: a recorded server.
// TODO(helper): being built now; replaced before this session ends or removed.

import { UsageError } from '../args'
import type { Io } from '../output'
import type { ReplayValues } from './replay-options'

export async function runRecordedServer(_values: ReplayValues, _path: string, _io: Io): Promise<number> {
  throw new UsageError('replay --as-server: not built yet')
}
