import { describe, expect, it } from 'vitest'
import type { ProtoField } from '../../../../src/shared/grpc-types'
import { protoFieldLine } from '../../../../src/renderer/src/features/grpc/proto-rows'

const say = (key: string, named?: Record<string, unknown>): string => `${key.split('.').at(-1)}${named ? ` ${JSON.stringify(named)}` : ''}`
const field = (f: Partial<ProtoField>): ProtoField => ({ number: 1, wire: 'varint', kind: 'varint', value: '', offset: 0, length: 2, valueOffset: 1, valueLength: 1, ...f })

describe('a protobuf field as a field tree row', () => {
  it('names it by number, and by name too with a schema; quotes text, so an empty string is seen', () => {
    expect(protoFieldLine(field({ kind: 'string', value: '' }), say)).toMatchObject({ name: '1', kind: 'string', value: '""' })
    expect(protoFieldLine(field({ number: 2, name: 'title', kind: 'string', value: 'cats', cut: true }), say)).toMatchObject({ name: '2 title', value: '"cats"', cut: true })
  })

  it('shows a nested message without a value by its type, and says other readings and left-out fields dim, a schema problem as a warning', () => {
    const child = field({ value: '7' })
    const line = protoFieldLine(field({ kind: 'message', typeName: 'pkg.Hit', children: [child], omitted: 3, problem: 'wire type 0, not 2' }), say)
    expect(line.value).toBe('pkg.Hit')
    expect(line.notes).toEqual([{ text: 'omitted {"n":3}' }, { text: 'wire type 0, not 2', warn: true }])
    expect(protoFieldLine(field({ value: '83', readings: [{ as: 'zigzag', value: '-42' }] }), say).notes).toEqual([{ text: 'zigzag -42' }])
  })
})
