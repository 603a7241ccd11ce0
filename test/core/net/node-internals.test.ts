// The warm-up builds sockets only to teach V8 about them: it must leave nothing open.
import { describe, expect, it } from 'vitest'
import { existsSync, readdirSync } from 'node:fs'
import { setImmediate as tick } from 'node:timers/promises'
import { warmSocketConstructor } from '../../../src/core/net/node-internals'

/** Linux shows them in /proc; elsewhere the handle count below has to do. */
const openFds = (): number => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : 0)

describe('socket constructor warm-up', () => {
  it('opens no file descriptor and leaves no handle behind', async () => {
    const fds = openFds()
    const resources = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length
    warmSocketConstructor()
    warmSocketConstructor()
    await tick()
    expect(openFds()).toBe(fds)
    expect(process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length).toBe(resources)
  })
})
