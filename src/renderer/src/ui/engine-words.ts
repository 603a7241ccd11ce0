// The engine words its errors in English, one line each (what went wrong and how to fix it),
// and a capture keeps them so (a failed connect's reason). The Chinese UI says the ones a
// person meets most in Chinese: each wording below is one of the engine's (the test beside
// the engine, test/core/front/engine-words.test.ts, holds the table to its real errors), and
// names the message that says it, with the parts the engine named (an address, a port, a
// path). A wording after a field's name (`target: bad address …`, `rule 2 ("mock").match: …`)
// keeps the name. Wordings compose as the engine's do: a group named `error` is an error of
// its own inside another (a kaitai error inside a .ksy message's, a field's inside `invalid
// arguments for …`) and is said in turn; `want`, `got` and `why` are set phrases of the
// engine's (PHRASES: "a whole number", RE2's "missing closing )"). A filter's several
// mistakes in one line (shared/filter-mistakes.ts) are said one by one. Any other error, and
// every error in English, is shown as the engine said it.
//
// A message may come from someone else's capture (a connection's recorded error, a framing
// script's), so nothing here may take long however it is worded: a language with none of
// these messages (English) shows the message at once, a long message is shown as it is, errors
// inside errors are said only so deep, and every wording runs in time linear in the message
// (a regex that could cut a message in many places looks first, once, at how it must end;
// test/renderer/ui/engine-words.test.ts tries each on hostile input).

import { splitMistakes } from '../../../shared/filter-mistakes'

type Translate = (key: string, params: Record<string, unknown>) => string

/**
 * The engine's set phrases inside its wordings, by the group that holds them, each with the
 * name of its message (`engineWords.phrase.NAME`): what an argument's check wanted and what it
 * got (shared/schema.ts, shared/rules/rule-schema.ts), and RE2's reasons for refusing a regex.
 */
export const PHRASES: Readonly<Record<'want' | 'got' | 'why', Readonly<Record<string, string>>>> = {
  want: {
    'a string': 'aString',
    'a whole number': 'aWholeNumber',
    'a number': 'aNumber',
    'true or false': 'trueOrFalse',
    'an object': 'anObject',
    'an array': 'anArray',
    'an object of numbers': 'numbers',
    'a list of strings': 'strings',
    'hex digits': 'hexDigits',
    'client or server': 'clientOrServer'
  },
  got: { string: 'aString', number: 'aNumber', boolean: 'trueOrFalse', object: 'anObject', 'an array': 'anArray', 'a list': 'anArray', null: 'null' },
  why: {
    'missing closing )': 'missingParen',
    'missing closing ]': 'missingBracket',
    'unexpected )': 'unexpectedParen',
    'missing argument to repetition operator': 'missingRepeatArgument',
    'invalid nested repetition operator': 'nestedRepeat',
    'invalid escape sequence': 'invalidEscape',
    'invalid character class range': 'invalidRange',
    'trailing backslash at end of expression': 'trailingBackslash',
    'invalid or unsupported Perl syntax': 'perlSyntax',
    'invalid named capture': 'invalidNamedCapture',
    'duplicate capture group name': 'duplicateName',
    'expression nests too deeply': 'nestsTooDeeply'
  }
}

/** A regex alternation of a group's phrases. */
function alternatives(group: keyof typeof PHRASES): string {
  return Object.keys(PHRASES[group])
    .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|')
}

/**
 * The longest message said in the UI's language; a longer one is shown as the engine said it.
 * Enough for a regex RE2 refuses as nested too deeply (over 2,000 characters of pattern in
 * the message), and short enough that saying one takes a millisecond or two.
 */
const LONGEST = 4096

/** How deep errors inside errors are said; deeper ones are shown as they are. The engine's go three deep (a form's arguments, a field's name, the field's error): six leaves room. */
const DEEPEST = 6

/** What every refused regex feature's wording says between its name and how to do without it. */
const NOT_RE2 = "which tcpscope's regular expressions do not support: they run on RE2, which takes time linear in the input so that no pattern can freeze the engine"

/**
 * Each of the engine's wordings and its message's name. Where a wording's parts could be cut
 * in many places (two of any length, or one before a tail the message may lack), it first
 * looks ahead, once, for how the message ends on its one line (`(?=.*\]$)`; `(?=.*$)`: no
 * line break): else a message that ends otherwise makes V8 try every cut, each to the end
 * of the message, which is quadratic (300 KB of `); ` took 50 s).
 */
export const WORDINGS: ReadonlyArray<[RegExp, string]> = [
  [/^cannot listen on (?<where>.+): the port is already in use; stop the other program or pick another port \(0 = any free port\)$/, 'portInUse'],
  [/^cannot listen on (?<where>.+): the socket path is in use by a running program; pick another path$/, 'socketInUse'],
  [/^cannot listen on (?<where>.+): permission denied; ports below 1024 need root, so use a port from 1024 up \(or a writable socket path\)$/, 'lowPort'],
  [/^cannot listen on (?<where>.+): that address is not on this machine; use 127\.0\.0\.1, 0\.0\.0\.0 or one of its addresses$/, 'notHere'],
  [/^cannot listen on (?<where>.+): its folder does not exist$/, 'noFolder'],
  [/^unknown host in (?<where>.+): the name does not resolve; check the spelling or use an IP address$/, 'unknownHost'],
  [/^connection refused by (?<where>.+): nothing is listening there; is the server running\?$/, 'refused'],
  [/^timed out connecting to (?<where>.+): the host did not answer$/, 'timedOut'],
  [/^cannot reach (?<where>.+): no route to that host$/, 'noRoute'],
  [/^cannot connect to (?<where>.+): no such socket file; is the server running\?$/, 'noSocket'],
  [/^bad port in "(?<input>.*)": use a number from 0 to 65535$/, 'badPort'],
  [/^bad port in "(?<input>.*)": connect to a port from 1 to 65535 \(0 only means "any" when listening\)$/, 'portZero'],
  [/^bad address "(?<input>.*)": give HOST:PORT \(e\.g\. 127\.0\.0\.1:6379\) or a socket path$/, 'badAddress'],
  [/^bad address "(?<input>.*)": the host is missing before ":"$/, 'noHost'],
  [/^bad hex digit "(?<digit>.+)" at position (?<at>\d+): use 0-9 and a-f \(spaces and 0x are allowed\)$/, 'badHex'],
  [/^no such file: (?<path>.+)$/, 'noFile'],
  [/^(?<path>.+) is not a tcpscope capture file \(no TCPSCAP header\)$/, 'notCapture'],
  [/^filter status:(?<value>.*): use a status code, a class or a range, e\.g\. status:404, status:4xx or status:200-299$/, 'badStatus'],
  [/^unknown filter word "(?<word>.*):": did you mean (?<near>\w+):\?$/, 'unknownWordNear'],
  [/^(?=.* or plain text$)unknown filter word "(?<word>.*):": use (?<words>.+) or plain text$/, 'unknownWord'],
  // A list's hint beside an empty answer, not a mistake (shared/filter-mistakes.ts, endpointWord).
  [/^(?<word>[a-z]+:\d+) is read as a host and its port: did you mean (?<near>[a-z]+:\d+)\?$/, 'readAsEndpoint'],
  [/^(?<word>[a-z]+:) is read as a host: did you mean (?<near>[a-z]+:)\?$/, 'readAsHost'],
  [/^(?<what>[\w.]+) failed: internal error \(details are in tcpscope's log\)$/, 'internal'],
  [/^cancelled$/, 'cancelled'],

  // A form's arguments the engine's check refused (shared/schema.ts): `invalid arguments for
  // toxic.add: toxic.name: expected at most 128 characters, got 200`.
  [/^invalid arguments for (?<command>[\w.]+): (?<error>.+)$/, 'badArguments'],
  [/^expected a number >= (?<min>\S+), got (?<got>\S+)$/, 'atLeast'],
  [/^expected a number <= (?<max>\S+), got (?<got>\S+)$/, 'atMost'],
  [/^expected at most (?<max>\d+) characters, got (?<count>\d+)$/, 'tooLong'],
  [/^expected at most (?<max>\d+) items, got (?<count>\d+)$/, 'tooMany'],
  [/^expected a non-empty string, got an empty one$/, 'empty'],
  [/^(?=.*"$)expected one of (?<values>.+), got (?<got>".*")$/, 'notOneOf'],
  [/^unknown field$/, 'unknownField'],
  [new RegExp(`^expected (?<want>${alternatives('want')}), got undefined$`), 'missing'],
  [new RegExp(`^expected (?<want>${alternatives('want')}), got (?<got>${alternatives('got')})$`), 'wrongType'],
  [new RegExp(`^expected (?<want>${alternatives('want')})$`), 'expected'],
  // A rule's (shared/rules/rule-schema.ts), after its place: `rule 2 ("mock").match.http.port: …`.
  [/^expected a whole number from (?<min>-?\d+) to (?<max>-?\d+), got (?<got>.+)$/, 'wholeFromTo'],
  [/^unknown field "(?<name>[^"]*)" \(it takes (?<fields>.+)\)$/, 'unknownFieldOf'],
  [/^longer than (?<max>\d+) characters$/, 'longerThan'],
  [/^cannot be empty$/, 'empty'],
  [/^not a header name$/, 'notHeaderName'],
  [/^a header value cannot hold a line break$/, 'headerLineBreak'],
  [/^missing: say what the rule matches \((?<example>.+)\)$/, 'ruleNoMatch'],
  [/^expected a list of 1 to (?<max>\d+) steps \((?<example>.+)\)$/, 'ruleSteps'],
  // A server's canned response, reply rules, toxics and breakpoints (core/session, core/fault, core/breakpoint).
  [/^bad HTTP header "(?<header>.*)": write it as "Name: value"$/, 'badHeader'],
  [/^reply rule (?<n>\d+): (?<error>.+)$/, 'replyRule'],
  [/^toxic match: (?<error>.+)$/, 'toxicMatch'],
  [/^toxic corrupt: probability is a chance per byte, from 0 to 1 \(got (?<got>.+)\)$/, 'corruptProbability'],
  [/^proxy (?<proxy>\S+) already has a toxic named "(?<name>.*)": give this one another name, or change that one with toxic\.update$/, 'toxicExists'],
  [/^breakpoint: (?<error>.+)$/, 'breakpoint'],
  [/^status "(?<status>.*)" is not a status or a class: write 404, or 4xx$/, 'notStatusClass'],
  [/^a hex breakpoint needs at least one byte, e\.g\. (?<example>.+)$/, 'hexBreakEmpty'],
  // Payloads (shared/payload).
  [/^odd number of hex digits \((?<digits>\d+)\): every byte needs two digits, e\.g\. 0a not a$/, 'oddHex'],
  [/^bad escape "(?<escape>\\.)" at position (?<at>\d+): use (?<escapes>\\r \\n \\t \\0 \\xHH) or (?<backslash>\\\\) for a backslash$/, 'badEscape'],
  [/^bad escape (?<escape>\\) at the end at position (?<at>\d+): use (?<escapes>\\r \\n \\t \\0 \\xHH) or (?<backslash>\\\\) for a backslash$/, 'badEscapeEnd'],
  // A regular expression a person typed (core/regex/user-regex.ts).
  [new RegExp(`^(?=.*$)bad regular expression /(?<source>.*)/: (?<why>${alternatives('why')}): (?<input>.+)$`), 'badRegexAt'],
  [new RegExp(`^bad regular expression /(?<source>.*)/: (?<why>${alternatives('why')})$`), 'badRegex'],
  [/^(?=.* \(RE2 allows at most 1000, and min <= max\)$)bad regular expression \/(?<source>.*)\/: invalid repeat count (?<input>.*) \(RE2 allows at most 1000, and min <= max\)$/, 'badRepeat'],
  [/^bad regular expression \/(?<source>.*)\/: a lookbehind cannot hold a capturing group; write (?<group>\(\?:\.\.\.\)) inside it$/, 'lookbehindGroup'],
  [/^regular expression \/(?<source>.*)\/ is too large \((?<steps>\d+) steps; at most (?<max>\d+)\): use smaller repeat counts$/, 'regexTooLarge'],
  [new RegExp(`^/(?<source>.*)/ uses a backreference \\((?<token>\\\\\\d)\\), ${NOT_RE2}; match the repeated text itself, or capture it and compare afterwards$`), 'noBackreference'],
  [new RegExp(`^/(?<source>.*)/ uses a named backreference \\((?<token>\\\\k<\\.\\.\\.>)\\), ${NOT_RE2}; match the repeated text itself$`), 'noNamedBackreference'],
  [new RegExp(`^/(?<source>.*)/ uses a lookahead \\((?<token>\\?[=!]\\.\\.\\.)\\), ${NOT_RE2}; match the text that follows as part of the pattern, or use a lookbehind \\((?<behind>\\?<=\\.\\.\\.)\\) on the next pattern$`), 'noLookahead'],
  [new RegExp(`^/(?<source>.*)/ uses an atomic group \\((?<token>\\?>\\.\\.\\.)\\), ${NOT_RE2}; use a plain group \\(\\.\\.\\.\\)$`), 'noAtomicGroup'],

  // A raw connection's messages (the Messages tab): a .ksy's parse and the kaitai runtime's
  // errors (core/protocols/ksy, core/ksy/ksy-runner.ts), and where cutting stopped or skipped.
  [/^the stream ended inside this message$/, 'endedInside'],
  [/^the stream ended inside this (?<id>\S+) message: (?<error>.+)$/, 'endedInsideKsy'],
  [/^does not parse as (?<id>\S+): (?<error>.+)$/, 'notParsed'],
  [/^not a (?<id>\S+) message: (?<error>.+); (?<n>\d+) bytes? skipped$/, 'notKsyMessage'],
  [/^EOFError: requested (?<asked>\d+) bytes, but only (?<left>\d+) bytes available$/, 'eof'],
  [/^(?=.*\]$)ValidationNotEqualError: not equal, expected \[(?<expected>.*)\], but got \[(?<actual>.*)\]$/, 'notEqual'],
  [/^(?=.*\]$)ValidationLessThanError: not in range, min \[(?<min>.*)\], but got \[(?<actual>.*)\]$/, 'lessThan'],
  [/^(?=.*\]$)ValidationGreaterThanError: not in range, max \[(?<max>.*)\], but got \[(?<actual>.*)\]$/, 'greaterThan'],
  [/^ValidationNotAnyOfError: not any of the list, got \[(?<actual>.*)\]$/, 'notAnyOf'],
  [/^ValidationNotInEnumError: not in the enum, got \[(?<actual>.*)\]$/, 'notInEnum'],
  [/^ValidationExprError: not matching the expression, got \[(?<actual>.*)\]$/, 'notExpr'],
  [/^End of stream reached, but no terminator (?<terminator>\d+) found$/, 'noTerminator'],
  [/^it needs (?<n>[\d,]+) bytes, over the (?<limit>.+) message limit$/, 'overMessageLimit'],
  [/^ksy:(?<path>.+): (?<n>\d+) parses ran past their budget \(of time, or of items\)$/, 'ksyBudget'],
  [/^ksy:(?<path>.+): its top-level type reads no bytes, so it cannot cut a stream: give it a seq$/, 'ksyNoBytes'],
  [/^(?=.*$)ksy:(?<path>.+): its top-level type reads to the end of its stream \(repeat: eos, size-eos or _io\.eof\), so a message has no end of its own: cut it with a plain framing, e\.g\. --frame (?<example>.+)$/, 'ksyToEnd'],
  [/^no message end within (?<size>.+) \(max=\)$/, 'noEndWithin'],
  [/^the length field says (?<n>-?\d+), which adjust=(?<adjust>-?\d+) makes negative$/, 'lengthNegative'],
  [/^the length field declares (?<n>[\d,]+) bytes, over the (?<limit>.+) limit \(max=\)$/, 'lengthOver'],
  [/^frame\(\) found no message end within (?<size>.+) \(the message limit\)$/, 'scriptNoEnd'],
  [/^not a message: frame\(\) skipped (?<n>\d+) bytes?$/, 'scriptSkipped'],
  [/^(?=.*$)(?<fn>frame|describe)\(\) gave no answer within its (?<ms>\d+) ms budget \(a loop\? (?<file>.+?)\); (?<error>.+)$/, 'scriptNoAnswer'],
  [/^the script starts again for what follows$/, 'scriptRestarts'],
  [/^(?<file>.+): stopped on this connection after (?<n>\d+) calls ran past their (?<ms>\d+) ms budget; other connections start it again$/, 'scriptStoppedHere'],
  [/^(?<file>.+): stopped after (?<n>\d+) calls ran past their (?<ms>\d+) ms budget; fix it and load it again \(--frame or Decode as…\)$/, 'scriptStopped'],
  // Last: whatever stopped the cutting, said as far as its wording is known.
  [/^(?<error>.+): cutting stops here$/, 'cuttingStops']
]

/**
 * A field's name before the engine's wording: `target: …`, `--listen: …`, `interval.payload: …`,
 * and a rule's place and path in its list (`rule 2 ("mock").match.http.port: …`), whose
 * path may hold a header's name as it was typed (`….headers.a b: not a header name`).
 */
export const FIELD = /^(--?[\w-]+|[\w.[\]]+|rule \d+(?: \("[^"]*"\))?(?:[.[][^:]*)?): (.+)$/

/** Whether the UI's language has the message `id` (vue-i18n's t gives a missing one's name back). */
const has = (id: string, t: Translate): boolean => t(id, {}) !== id

/** A group's value as the UI says it: an error inside another said in turn, a set phrase in the UI's language, anything else as the engine named it. */
function part(name: string, value: string, t: Translate, depth: number): string {
  if (name === 'error') return say(value, t, depth + 1)
  const phrase = (PHRASES as Record<string, Record<string, string> | undefined>)[name]?.[value]
  if (phrase === undefined) return value
  const id = `engineWords.phrase.${phrase}`
  const said = t(id, {})
  return said === id ? value : said
}

function wording(message: string, t: Translate, depth: number): string | undefined {
  for (const [re, key] of WORDINGS) {
    const m = re.exec(message)
    if (m === null) continue
    const id = `engineWords.${key}`
    // No message of that name in this language: the engine's own words, parts and all, asked
    // before the parts are said, which would be said for nothing (and again after a field's name).
    if (!has(id, t)) return undefined
    return t(id, Object.fromEntries(Object.entries(m.groups ?? {}).map(([name, value]) => [name, value === undefined ? '' : part(name, value, t, depth)])))
  }
  return undefined
}

/** A filter's several mistakes, each in the UI's language where its wording is known; undefined in English (the engine's words). */
function mistakes(message: string, t: Translate, depth: number): string | undefined {
  const id = 'engineWords.mistakes'
  const several = splitMistakes(message)
  if (several === undefined || !has(id, t)) return undefined
  const named = several.named.map((m, i) => t('engineWords.mistake', { n: i + 1, text: say(m, t, depth + 1) }))
  if (several.more > 0) named.push(t('engineWords.moreMistakes', { more: several.more }))
  return t(id, { count: several.count, list: named.join(t('engineWords.mistakesJoin', {})) })
}

/** `message`, `depth` errors deep inside another, in the UI's language where its wording is known; else as it is. */
function say(message: string, t: Translate, depth: number): string {
  if (depth >= DEEPEST) return message
  const whole = wording(message, t, depth) ?? mistakes(message, t, depth)
  if (whole !== undefined) return whole
  const field = FIELD.exec(message)
  if (field === null) return message
  // What follows the name may itself be named (`toxic.name: …` inside `invalid arguments for …: `) or composed.
  const rest = say(field[2], t, depth + 1)
  return rest === field[2] ? message : `${field[1]}: ${rest}`
}

/** `message` (an engine error, or a recorded reason) in the UI's language where its wording is known; else as it is. */
export function engineWords(message: string, t: Translate): string {
  // A language that says the engine's errors says them all (the tests hold zh-CN to every
  // wording), so one of its messages tells whether this one has any: English has none.
  if (message.length > LONGEST || !has('engineWords.cancelled', t)) return message
  return say(message, t, 0)
}
