// The answers' order on a protocol with one reply per request: a reply made here waits for
// those before it, a timeout stops every later one, and unframed target bytes let go of the
// requests that waited for a reply.
import { describe, expect, it } from 'vitest'
import { answersInOrder, ReplySlots } from '../../../../src/core/rules/messages/reply-slots'

describe('reply slots', () => {
  it('keeps answers in request order: a target reply may go only while no local answer is ahead of it', () => {
    const slots = new ReplySlots()
    slots.take({ kind: 'target' })
    const local = { kind: 'local' as const }
    slots.take(local)
    slots.take({ kind: 'target' })
    expect(slots.replyMayGo).toBe(true)
    expect(slots.takeReady()).toBeUndefined()
    slots.replied()
    // The answer made here is next, and not ready yet: the target's next reply waits behind it.
    expect(slots.replyMayGo).toBe(false)
    expect(slots.takeReady()).toBeUndefined()
    Object.assign(local, { bytes: Buffer.from('+OK\r\n') })
    expect(slots.takeReady()).toBe(local)
    expect(slots.replyMayGo).toBe(true)
    slots.replied()
    expect(slots.empty).toBe(true)
  })

  it('keeps no place after a slot that is never answered', () => {
    const slots = new ReplySlots()
    expect(slots.take({ kind: 'never' })).toBe(true)
    expect(slots.take({ kind: 'target' })).toBe(false)
    expect(slots.take({ kind: 'local', bytes: Buffer.alloc(0) })).toBe(false)
    expect(slots.replyMayGo).toBe(false)
  })

  it('lets go of the requests waiting for a reply when the target is not cut, up to an answer made here', () => {
    const slots = new ReplySlots()
    slots.take({ kind: 'target' })
    slots.take({ kind: 'target' })
    slots.take({ kind: 'local', bytes: Buffer.from('x') })
    slots.take({ kind: 'target' })
    slots.untrack()
    expect(slots.front).toMatchObject({ kind: 'local' })
    slots.takeReady()
    expect(slots.front).toEqual({ kind: 'target' })
  })

  it('orders answers for redis, Modbus and DNS only', () => {
    expect(['resp', 'modbus', 'dns', 'postgres', 'mqtt', undefined].map(answersInOrder)).toEqual([true, true, true, false, false, false])
  })
})
