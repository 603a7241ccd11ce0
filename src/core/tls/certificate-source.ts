// Which certificate tcpscope answers a client's TLS with, decided once before it listens
// (a proxy's --tls-listen, a TLS server session): the cert and key given, whatever name the
// client asks for, or a leaf from tcpscope's CA for that name. The files are read (never
// synchronously) and the CA opened and readied to issue leaves now, so a mistake is one line
// at start, not a failure per handshake, and the first clients do not wait for it.

import type { SecureContext } from 'node:tls'
import { UserError } from '../net/net-errors'
import type { CaSource } from './ca-commands'
import { loadListenContext } from './tls-accept'

export interface CertificateSource {
  /** The certificate for a name: the CA's leaf, or the one given whatever the name. */
  contextFor(name: string): Promise<SecureContext>
  /** The certificate comes from tcpscope's CA (failures then say to trust it). */
  leafFromCa: boolean
}

/** `flags`: how the front end names the cert and key (`--tls-cert`, `--cert`), for the errors. */
export async function certificateSource(given: { cert?: string; key?: string }, flags: { cert: string; key: string }, ca: CaSource | undefined): Promise<CertificateSource> {
  if (given.cert !== undefined || given.key !== undefined) {
    if (given.cert === undefined || given.key === undefined) {
      throw new UserError(`${flags.cert} and ${flags.key} go together: give both, or neither (then clients get a leaf from tcpscope's CA)`, 'EUSAGE')
    }
    const context = await loadListenContext(given.cert, given.key, flags)
    return { contextFor: () => Promise.resolve(context), leafFromCa: false }
  }
  if (ca === undefined) throw new UserError(`TLS toward clients needs tcpscope's CA, which this engine has not got; give ${flags.cert} FILE ${flags.key} FILE instead`, 'EUSAGE')
  const authority = await ca()
  await authority.readyToIssue()
  return { contextFor: (name) => authority.leafContext(name), leafFromCa: true }
}
