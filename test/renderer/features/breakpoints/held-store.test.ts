// @vitest-environment jsdom
// The held queue's open message: its bytes are read once it is open, and a read that ends
// after the message left (forwarded, timed out) neither fills nor fails the next one.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { HeldMessage } from '../../../../src/shared/break-types'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useHeldStore } from '../../../../src/renderer/src/features/breakpoints/held-store'
import { EngineError } from '../../../../src/shared/errors'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

const message = (id: number): HeldMessage => ({ id, proxyId: 'p1', ruleId: 'b1', connId: 3, dir: 'client', kind: 'chunk', size: 2, preview: Uint8Array.of(id, id), heldAt: 0 })

beforeEach(() => setActivePinia(createPinia()))

describe('the open held message', () => {
  it("shows the next message's bytes, not the failure of a read of one that left meanwhile", async () => {
    const reads = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>()
    const t = fakeTransport({ 'held.read': ({ heldId }) => new Promise<Uint8Array>((resolve, reject) => reads.set(heldId, { resolve, reject })) })
    useEngineStore().attach(t.transport)
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [], held: [message(1), message(2)] })
    const held = useHeldStore()
    await flushPromises()
    expect(held.selected?.id).toBe(1)
    // Message 1 goes on (forwarded elsewhere) while its bytes are read; 2 is open now.
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [], held: [message(2)] })
    await flushPromises()
    expect(held.selected?.id).toBe(2)
    reads.get(1)!.reject(new EngineError('ENOHELD', 'held message 1 is no longer held'))
    reads.get(2)!.resolve(Uint8Array.of(9, 9))
    await flushPromises()
    expect(held.error).toBeUndefined()
    expect([...(held.original ?? [])]).toEqual([9, 9])
  })
})
