// What a refused argument says: the wrong type by its type (`got number`), and a value of the
// right type out of bounds by the value itself (`got 2`, `got ""`), not by its type again: a
// toxicity of 2 read "expected a number <= 1, got number", and an empty breakpoint pattern
// "expected a non-empty string, got string".
import { describe, expect, it } from 'vitest'
import { arr, int, num, oneOf, str } from '../../src/shared/schema'

const refusal = (parse: () => unknown): string => {
  try {
    parse()
  } catch (e) {
    return (e as Error).message
  }
  throw new Error('expected a refusal')
}

describe('schema refusals', () => {
  it('say the value out of bounds', () => {
    expect(refusal(() => num({ min: 0, max: 1 }).parse(2, 'toxicity'))).toBe('toxicity: expected a number <= 1, got 2')
    expect(refusal(() => int({ min: 1 }).parse(0, 'buckets'))).toBe('buckets: expected a number >= 1, got 0')
    expect(refusal(() => str({ nonEmpty: true }).parse('', 'rule.pattern'))).toBe('rule.pattern: expected a non-empty string, got an empty one')
    expect(refusal(() => str({ max: 3 }).parse('abcdef', 'name'))).toBe('name: expected at most 3 characters, got 6')
    expect(refusal(() => arr(int(), { max: 2 }).parse([1, 2, 3], 'ids'))).toBe('ids: expected at most 2 items, got 3')
    expect(refusal(() => oneOf(['a', 'b']).parse('c', 'mode'))).toBe('mode: expected one of a, b, got "c"')
    // A long or hostile string is cut and quoted on one line.
    expect(refusal(() => oneOf(['a']).parse(`${'x'.repeat(50)}\nnext`, 'mode'))).toBe(`mode: expected one of a, got "${'x'.repeat(40)}…"`)
  })

  it('say the type when the type is wrong', () => {
    expect(refusal(() => num({ max: 1 }).parse('2', 'toxicity'))).toBe('toxicity: expected a number, got string')
    expect(refusal(() => oneOf(['a', 'b']).parse(3, 'mode'))).toBe('mode: expected one of a, b, got number')
    expect(refusal(() => str().parse(null, 'x'))).toBe('x: expected a string, got null')
  })
})
