// HPACK's static table (RFC 7541 Appendix A): indices 1-61, and the look-ups the encoder needs.

// prettier-ignore
const ENTRIES: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', '']
]

export const STATIC_TABLE_LENGTH = ENTRIES.length

/** Names and values by index (1-61; slot 0 unused), so a look-up is one array read. */
export const STATIC_NAMES: readonly string[] = ['', ...ENTRIES.map((e) => e[0])]
export const STATIC_VALUES: readonly string[] = ['', ...ENTRIES.map((e) => e[1])]

const byName = new Map<string, number>()
const byField = new Map<string, number>()
ENTRIES.forEach(([name, value], i) => {
  if (!byName.has(name)) byName.set(name, i + 1)
  byField.set(`${name}\0${value}`, i + 1)
})

/** The static index of exactly (name, value), or 0. */
export function staticFieldIndex(name: string, value: string): number {
  return byField.get(`${name}\0${value}`) ?? 0
}

/** The first static index whose name is `name`, or 0. */
export function staticNameIndex(name: string): number {
  return byName.get(name) ?? 0
}
