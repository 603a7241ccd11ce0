// Each run records to its own file, named so that every platform accepts it.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { captureFileName, newCapturePath } from '../../src/main/capture-path'
import { tempDir } from '../helpers/net'

let cleanup: (() => void) | undefined
afterEach(() => cleanup?.())

describe('capture path', () => {
  it('names the file after the time, without characters Windows refuses', () => {
    expect(captureFileName(new Date('2025-01-31T12:34:56.789Z'))).toBe('capture-2025-01-31T12-34-56-789Z.tcap')
  })

  it('creates the captures folder under the user data folder', () => {
    const tmp = tempDir()
    cleanup = tmp.cleanup
    const path = newCapturePath(join(tmp.dir, 'user-data'), new Date('2025-01-31T12:34:56.789Z'))
    expect(path).toBe(join(tmp.dir, 'user-data', 'captures', 'capture-2025-01-31T12-34-56-789Z.tcap'))
    expect(existsSync(dirname(path))).toBe(true)
  })
})
