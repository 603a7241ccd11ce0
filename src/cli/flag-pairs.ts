// The `key=value,...` lists that `--break` and `--toxic` take: split at commas, where a comma
// written `\,` stays inside its value (a text to match, a filter's words).

/** `a=1,b=x\,y` as ['a=1', 'b=x,y']: a comma written `\,` stays in its value. */
export function splitPairs(text: string): string[] {
  const out: string[] = []
  let current = ''
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === ',') {
      current += ','
      i++
    } else if (text[i] === ',') {
      out.push(current)
      current = ''
    } else current += text[i]
  }
  out.push(current)
  return out.filter((p) => p.trim() !== '')
}
