// Imported first by each process's entry (the CLI's, Electron's main): V8's young
// generation is kept at its first size before the engine's code is loaded, which alone grew
// it from 2 to 8 MiB (v8-flags.ts says why it is kept small).

import { keepYoungGenerationSmall } from './v8-flags'

keepYoungGenerationSmall()
