// An application/x-www-form-urlencoded body as its fields, in order, duplicates kept (the
// URL Standard's parsing: `+` is a space, percent-escapes are UTF-8; a bad escape stays as sent).

export interface FormField {
  name: string
  value: string
}

const decode = (s: string): string => {
  const spaced = s.replace(/\+/g, ' ')
  try {
    return decodeURIComponent(spaced)
  } catch {
    return spaced
  }
}

/** The fields of `text`, the first `max` of them. */
export function formFields(text: string, max = Infinity): FormField[] {
  const out: FormField[] = []
  for (let at = 0; at < text.length && out.length < max; ) {
    const amp = text.indexOf('&', at)
    const end = amp < 0 ? text.length : amp
    const part = text.slice(at, end)
    at = end + 1
    if (part === '') continue
    const eq = part.indexOf('=')
    out.push(eq < 0 ? { name: decode(part), value: '' } : { name: decode(part.slice(0, eq)), value: decode(part.slice(eq + 1)) })
  }
  return out
}
