// Types for pattern.mjs, which the tests share with the bench.
export const PERIOD: number
export const REF: Buffer
export function slice(pos: number, len: number): Buffer
export function writePatternFile(path: string, size: number): void
