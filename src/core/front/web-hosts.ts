// The Host headers web mode answers to: the names and addresses the user chose to listen
// on, with the bound port. Anything else is a page that reached this server under a name of
// its own (DNS rebinding) and is refused. Listening on 0.0.0.0 or :: means every address of
// this machine, read when asked (interfaces come and go); loopback also means localhost.

import { networkInterfaces } from 'node:os'
import { isIP } from 'node:net'

export const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::'

export const isLoopbackHost = (host: string): boolean => host === '::1' || host === 'localhost' || host.startsWith('127.')

/** `host:port`, IPv6 in brackets, lower case: as a Host header names it. */
function hostHeader(host: string, port: number): string {
  return (isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`).toLowerCase()
}

/**
 * Every Host header that names this server. `asked` is the host given to --listen (a name
 * or an address), `bound` the address the socket really has.
 */
export function allowedHosts(asked: string, bound: string, port: number): Set<string> {
  const hosts = [asked, bound]
  if (isWildcard(asked) || isWildcard(bound)) {
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) hosts.push(i.address)
  }
  if (hosts.some((h) => isWildcard(h) || isLoopbackHost(h))) hosts.push('localhost', '127.0.0.1', '::1')
  return new Set(hosts.map((h) => hostHeader(h, port)))
}
