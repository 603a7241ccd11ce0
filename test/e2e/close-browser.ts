// Set up for each e2e file (vitest.config.ts, and the guide's screenshots): the contexts the
// file left open close after its last test; the worker's Chromium serves the next file.
import { afterAll } from 'vitest'
import { closeContexts } from '../helpers/browser'

afterAll(closeContexts)
