// Test helpers: the example framing script (examples/script/), which decodes the same device
// frames as examples/ksy/device-frame.ksy (ksy-frames.ts builds them).
import { resolve } from 'node:path'

export const DEVICE_SCRIPT = resolve(__dirname, '../../../../examples/script/device-frame.js')
