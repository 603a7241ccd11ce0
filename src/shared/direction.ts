// Which side of a connection sent some bytes: the one word every record, range and decoder
// shares. Its own module, beneath both capture-types.ts and protocol-types.ts.

/** Who sent the bytes: `client` = bytes the client sent toward the server. */
export type Direction = 'client' | 'server'
export const DIRECTIONS: readonly Direction[] = ['client', 'server']
