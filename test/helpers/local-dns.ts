// Tests never ask the machine's resolver (it is off the loopback): names under the
// reserved .invalid domain fail here, locally, the way a real resolver would answer.
import dns from 'node:dns'
import { vi } from 'vitest'

type LookupCallback = (err: NodeJS.ErrnoException | null, address?: string, family?: number) => void

export function failInvalidNamesLocally(): () => void {
  const real = dns.lookup
  const spy = vi.spyOn(dns, 'lookup').mockImplementation(((hostname: string, options: unknown, callback?: LookupCallback) => {
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback
    if (!hostname.endsWith('.invalid')) return (real as (...a: unknown[]) => void)(hostname, options, callback)
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname })
    // A real resolver takes a round trip to say no; answering at once would race the
    // client's own connect, which the test does not mean to exercise.
    setTimeout(() => cb(err), 20)
  }) as unknown as typeof dns.lookup)
  return () => spy.mockRestore()
}

/**
 * Names under `slow.test` (a reserved test domain) resolve to 127.0.0.1 after `delayMs`:
 * an upstream connect that takes that long to start, without asking the machine.
 */
export function resolveSlowNamesLocally(delayMs: number): () => void {
  const real = dns.lookup
  const spy = vi.spyOn(dns, 'lookup').mockImplementation(((hostname: string, options: unknown, callback?: LookupCallback) => {
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback
    if (!hostname.endsWith('.slow.test')) return (real as (...a: unknown[]) => void)(hostname, options, callback)
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all
    setTimeout(() => (all ? (cb as unknown as (e: null, a: unknown[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)), delayMs)
  }) as unknown as typeof dns.lookup)
  return () => spy.mockRestore()
}
