// Framings that name a file of the engine's host are loaded before a codec is asked for:
// a `.ksy` compiled (src/core/ksy/), a script started in a thread of its own
// (src/core/script-framing/). Loading is async, cutting is not: each place a framing comes
// in (--frame, "decode as", a page of messages, a capture that remembers one) awaits this
// first, and codecFor then finds the loaded one. Other framings load nothing.

import type { FrameSpec } from '../../../shared/message-types'
import { loadFraming as loadKsy } from '../../ksy/ksy-registry'
import { loadScriptFraming } from '../../script-framing/script-registry'

/** Loads the file a framing names; a UserError in one line when it cannot be. */
export async function loadFraming(spec: FrameSpec | undefined): Promise<void> {
  if (spec?.kind === 'ksy') await loadKsy(spec)
  else if (spec?.kind === 'script') await loadScriptFraming(spec)
}

/** Whether a framing reads a file of the engine's host (never because an uploaded capture says so). */
export const namesHostFile = (spec: FrameSpec): boolean => spec.kind === 'ksy' || spec.kind === 'script'
