// Set up for each e2e file (vitest.config.ts, and the guide's screenshots): the Chromium the
// file launched closes after its last test, as it would with the file's own process.
import { afterAll } from 'vitest'
import { closeChromium } from '../helpers/browser'

afterAll(closeChromium)
