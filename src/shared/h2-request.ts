// What HTTP/2 says in its pseudo-headers, read one way for the exports, replay and the
// Replay tab: a message is HTTP/2 by its version (the decoder's `HTTP/2`), its pseudo-headers
// (`:method`, `:scheme`, `:authority`, `:path`, `:status`) are the names starting with a
// colon. (Its URL: shared/request-url.ts.)

/** A header as the decoder gives it, or as a person wrote it. */
export interface NamedValue {
  name: string
  value: string
}

/** The decoder's version for an HTTP/2 message. */
export const H2_VERSION = 'HTTP/2'

export const isH2 = (msg: { version: string } | undefined): boolean => msg?.version === H2_VERSION

export const isPseudoHeader = (name: string): boolean => name.startsWith(':')

/** A pseudo-header's first value (`:path`, say), if the block has it. */
export const pseudoHeader = <H extends NamedValue>(headers: readonly H[], name: `:${string}`): string | undefined => headers.find((h) => h.name === name)?.value

/** The regular headers: every one but the pseudo-headers, in their order. */
export const regularHeaders = <H extends NamedValue>(headers: readonly H[]): H[] => headers.filter((h) => !isPseudoHeader(h.name))
