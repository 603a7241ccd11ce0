// amaro ships no types: the one call the script loader makes.
declare module 'amaro' {
  export function transformSync(source: string, options: { mode: 'strip-only' | 'transform' }): { code: string; map?: string }
}
