// Which argument of a command an engine error is about, as that argument's path
// (`listen`, `target`, `localPort`, `behaviour.rules[1]`, `interval.payload`): named by the
// argument check itself, or recognised from the engine's one-line wording of socket,
// address and reply-rule errors. Front ends show an error next to the field it concerns
// with it; test/core/front/error-subjects.test.ts holds it to the engine's real errors.

type Subject = string | ((m: RegExpExecArray) => string)

/** `invalid arguments for CMD: PATH: why` (core/front/engine-endpoint.ts). */
const VALIDATION = /^invalid arguments for [\w.]+: ([\w.[\]]+):/

/** The engine's wording, most specific first. */
const WORDING: Array<[RegExp, Subject]> = [
  [/^--listen:|^cannot listen on |^socket path .* is too long/, 'listen'],
  // A connect from a pinned local address or port (core/session/client-session.ts).
  [/^cannot connect to .* from .*: that local port is in use/, 'localPort'],
  [/^cannot connect to .* from (.*): that local address/, (m) => (/^port \d+$/.test(m[1]) ? 'localPort' : 'localAddress')],
  [/^(--)?target:|^cannot connect to |^connection refused by |^timed out connecting to |^unknown host in |^cannot reach /, 'target'],
  [/^reply rule (\d+):/, (m) => `behaviour.rules[${Number(m[1]) - 1}]`],
  [/^bad HTTP header /, 'behaviour.http.headers'],
  // A toxic's (core/fault/toxic-registry.ts), as toxic.add has them: toxic.update's are the same fields.
  [/^toxic match: /, 'toxic.match'],
  [/^toxic \w+ has no attribute "(\w+)"/, (m) => `toxic.attributes.${m[1]}`],
  [/^toxic corrupt: probability /, 'toxic.attributes.probability'],
  [/^proxy \S+ already has a toxic named /, 'toxic.name']
]

/** Codes that are always about one argument, whatever the wording. */
const CODES: Record<string, string> = {
  EADDRINUSE: 'listen',
  EADDRNOTAVAIL: 'listen',
  ECONNREFUSED: 'target',
  ETIMEDOUT: 'target',
  ENOTFOUND: 'target',
  EAI_AGAIN: 'target',
  EHOSTUNREACH: 'target',
  ENETUNREACH: 'target'
}

/** The path of the argument `err` is about, or undefined when it is about the command as a whole. */
export function errorSubject(err: { code: string; message: string }): string | undefined {
  const v = VALIDATION.exec(err.message)
  if (v) return v[1]
  for (const [re, subject] of WORDING) {
    const m = re.exec(err.message)
    if (m) return typeof subject === 'string' ? subject : subject(m)
  }
  return CODES[err.code]
}
