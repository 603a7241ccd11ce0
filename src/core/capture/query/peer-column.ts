// One column of the in-memory index (capture-index.ts): the peers of one role, kept as
// three flat arrays rather than an object per connection, and answered field by field so a
// filter or a sort over every row builds none.

import type { PeerAddress } from '../../../shared/capture-types'

/** Peer addresses of one role (client, upstream local, upstream remote), flattened. */
export class PeerColumn {
  /** The address, or the Unix socket path; undefined: no peer. */
  private readonly address: (string | undefined)[] = []
  /** The port; -1 for a path. */
  private readonly port: number[] = []
  private readonly family: string[] = []

  set(row: number, p: PeerAddress | undefined): void {
    if (p === undefined) {
      this.address[row] = undefined
      this.port[row] = 0
      this.family[row] = ''
    } else if ('path' in p) {
      this.address[row] = String(p.path)
      this.port[row] = -1
      this.family[row] = ''
    } else {
      this.address[row] = String(p.address)
      this.port[row] = Number(p.port)
      this.family[row] = String(p.family)
    }
  }

  get(row: number): PeerAddress | undefined {
    const address = this.address[row]
    if (address === undefined) return undefined
    const port = this.port[row]
    return port === -1 ? { path: address } : { address, port, family: this.family[row] }
  }

  addressOf(row: number): string | undefined {
    return this.address[row]
  }

  /** formatPeer of the row's peer, without building the object. */
  text(row: number): string {
    const address = this.address[row]
    if (address === undefined) return '-'
    const port = this.port[row]
    if (port === -1) return address
    return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
  }

  portOf(row: number): number | undefined {
    const port = this.port[row]
    return this.address[row] === undefined || port === -1 ? undefined : port
  }
}
