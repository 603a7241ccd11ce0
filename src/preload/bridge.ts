// The object the preload exposes to the page as `window.tcpscope`: a frame port for the
// envelope of src/shared/wire.ts, and nothing else. Types only, shared by preload and renderer.

import type { FramePort } from '../shared/transport'

export type TcpscopeBridge = Pick<FramePort, 'send' | 'onFrame'>
