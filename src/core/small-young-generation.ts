// Imported first by Electron's main, which forwards for as long as the app runs: V8's young
// generation is kept at its first size before the engine's code is loaded, which alone grew
// it from 2 to 8 MiB (v8-flags.ts says why it is kept small). The CLI sets it for its
// forwarding commands only (cli/index.ts, FORWARDING_COMMANDS).

import { keepYoungGenerationSmall } from './v8-flags'

keepYoungGenerationSmall()
