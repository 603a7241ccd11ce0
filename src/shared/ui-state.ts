// What a window remembers between runs (pane sizes, columns, the detail tab, recent
// captures): the renderer's own JSON, kept by the engine in its data folder, so web mode
// (a new port, so a new origin and an empty localStorage, each run) remembers it too.

import { obj, str } from './schema'

export const MAX_UI_STATE_BYTES = 64 * 1024
export const uiStateArgs = obj({ state: str({ max: MAX_UI_STATE_BYTES }) })
