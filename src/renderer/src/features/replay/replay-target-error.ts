// A replay's error about its target (a bad address, a refused or timed-out connect) was
// about the target it was sent to: once the Target field changes it no longer says what a
// Send would meet, and left up it reads as the new target's fault. Which errors those are is
// the forms' own routing (ui/form/engine-error-fields.ts); the stores keep only the engine's
// one line (a send's refusals come back as a summary's text samples), so its wording decides.

import { routeEngineError, sameNames } from '../../ui/form/engine-error-fields'

const TARGET_ROUTES = sameNames('target')

/** `error`, unless it is about the replay's target. */
export function unlessAboutTarget(error: string | undefined): string | undefined {
  return error !== undefined && routeEngineError(error, TARGET_ROUTES).field === 'target' ? undefined : error
}
