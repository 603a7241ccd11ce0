// A proxy or session started with `--frame` cuts its connections that way: the framing is
// checked (a `.ksy` compiled, a script loaded) before anything listens or connects (a bad one is a one-line
// error, and nothing starts), then kept as the owner's rule once it has its id.

import type { EngineApi } from '../../../shared/contract'
import { framingOf } from './framing-rules'
import { loadFraming } from './framing-files'
import type { Messages } from './messages'

const STARTS = ['proxy.start', 'server.start', 'client.connect'] as const

export function withOwnerFraming(table: EngineApi, messages: Messages): EngineApi {
  const out = { ...table }
  for (const name of STARTS) {
    const start = table[name] as unknown as (args: { frame?: string }, ctx?: unknown) => Promise<{ id: string }>
    ;(out as Record<string, unknown>)[name] = async (args: { frame?: string }, ctx?: unknown) => {
      // A `ksy:` file is compiled, a `script:` loaded, before anything starts: one that cannot be is the start's error.
      if (args.frame !== undefined && args.frame.trim() !== '') await loadFraming(framingOf(args.frame))
      const info = await start(args, ctx)
      messages.setOwnerRule(info.id, args.frame)
      return info
    }
  }
  return out
}
