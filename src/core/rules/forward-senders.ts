// What a forward step sends with (TrafficDeps' forward and forwardH2): the same for a proxy's
// connections (proxy/proxy-stages.ts) and a server session's (session/session-rules.ts).
// Each forward's connection is its own, recorded into `capture` under the `rules` owner.

import type { LiveCapture } from '../capture/write/live-capture'
import { forwardRequest } from './rule-forward'
import { forwardH2 } from './h2/h2-forward-client'
import type { TrafficDeps } from './traffic-deps'

export function forwardSenders(capture: LiveCapture): Required<Pick<TrafficDeps, 'forward' | 'forwardH2'>> {
  return {
    forward: (to, request, method) => forwardRequest(capture, to, request, method),
    forwardH2: (to, request, signal, http1) => forwardH2(capture, to, request, signal, http1)
  }
}
