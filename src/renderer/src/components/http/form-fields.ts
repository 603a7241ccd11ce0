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

export function formFields(text: string): FormField[] {
  const out: FormField[] = []
  for (const part of text.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    out.push(eq < 0 ? { name: decode(part), value: '' } : { name: decode(part.slice(0, eq)), value: decode(part.slice(eq + 1)) })
  }
  return out
}
