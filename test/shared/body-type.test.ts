// How a body reads, from its Content-Type or, without one, its first bytes: the kinds the
// views and HAR choose by, the charset as sent and as the views' encoding, and when the
// pretty view applies.
import { describe, expect, it } from 'vitest'
import { bodyType, contentTypeOf, isTextKind, prettyApplies } from '../../src/shared/body-type'
import { PRETTY_MAX } from '../../src/shared/limits'

describe('bodyType', () => {
  it.each([
    ['application/json; charset=utf-8', 'json'],
    ['application/problem+json', 'json'],
    ['application/xml', 'xml'],
    ['image/svg+xml', 'xml'],
    ['text/html; charset=UTF-8', 'html'],
    ['text/css', 'text'],
    ['application/x-yaml', 'text'],
    ['application/csv', 'text'],
    ['image/png', 'image'],
    ['application/x-www-form-urlencoded', 'form'],
    ['application/octet-stream', 'binary'],
    ['application/pdf', 'binary']
  ])('reads %s as %s', (ct, kind) => {
    expect(bodyType(ct).kind).toBe(kind)
  })

  it('names the charset as sent, and the encoding the views read it in', () => {
    expect(bodyType('text/plain; charset="GB2312"')).toEqual({ kind: 'text', media: 'text/plain', charset: 'gb2312', encoding: 'gbk' })
    expect(bodyType('text/plain; charset=koi8-r')).toEqual({ kind: 'text', media: 'text/plain', charset: 'koi8-r' })
    expect(bodyType('application/json')).toMatchObject({ charset: 'utf-8', encoding: 'utf8' })
  })

  it('tells text from binary by the first bytes when no type is sent', () => {
    expect(bodyType('', Buffer.from('hello\n')).kind).toBe('text')
    expect(bodyType('', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0])).kind).toBe('binary')
    expect(contentTypeOf([{ name: 'content-type', value: 'a/b' }, { name: 'Content-Type', value: 'text/plain' }])).toBe('text/plain')
    expect(isTextKind('form')).toBe(true)
    expect(isTextKind('image')).toBe(false)
  })

  it('applies the pretty view to whole JSON and XML up to PRETTY_MAX', () => {
    expect(prettyApplies('json', PRETTY_MAX)).toBe(true)
    expect(prettyApplies('xml', 10)).toBe(true)
    expect(prettyApplies('json', PRETTY_MAX + 1)).toBe(false)
    expect(prettyApplies('json', undefined)).toBe(false)
    expect(prettyApplies('text', 10)).toBe(false)
  })
})
