// The engine's certificate authority: opened once, lazily, the first time something needs
// it (a TLS proxy, a server session, an interception, the CA panel), and shared by all of
// them through one accessor; and the handlers of ca.info, ca.bundle, ca.export and ca.regenerate.

import type { CaExport } from '../../shared/intercept-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import type { CommandTable } from '../command-table'
import { inspectTarget } from '../files/file-target'
import { writeReplacing } from '../files/replace-file'
import type { SaveFolder } from '../files/save-folder'
import { CertificateAuthority } from './certificate-authority'
import { writeTrustBundle } from './trust-bundle'

/**
 * How a module gets the CA: ask each time it is needed (per connection, say), never keep
 * the result, so a regenerated CA takes over at once. The first call opens (or makes) it.
 */
export type CaSource = () => Promise<CertificateAuthority>

export type CaCommandName = 'ca.info' | 'ca.bundle' | 'ca.export' | 'ca.regenerate'

export class CaService {
  private current: Promise<CertificateAuthority> | undefined

  constructor(
    /** The data folder (data-dir.ts): the CA lives in its `ca` folder. */
    readonly dataDir: string,
    /** Where an export by a relative name lands. */
    private readonly folder?: SaveFolder
  ) {}

  readonly ca: CaSource = () => {
    if (this.current === undefined) {
      const opening = CertificateAuthority.open(this.dataDir)
      this.current = opening
      // A failure is not kept: the next caller tries again (a folder made writable meanwhile).
      opening.catch(() => {
        if (this.current === opening) this.current = undefined
      })
    }
    return this.current
  }

  /** A new CA replaces the current one, for every later caller of `ca`. */
  private async regenerate(): Promise<CertificateAuthority> {
    // Any open or regenerate under way finishes first: two writers must not mix their files.
    const before = this.current?.catch(() => undefined)
    const making = (async () => {
      await before
      return CertificateAuthority.regenerate(this.dataDir)
    })()
    this.current = making
    making.catch(() => {
      if (this.current === making) this.current = undefined
    })
    return making
  }

  readonly commands: CommandTable<CaCommandName> = {
    'ca.info': async () => (await this.ca()).info(),
    'ca.bundle': async () => {
      const ca = await this.ca()
      return writeTrustBundle(ca.paths, ca.pem)
    },
    'ca.export': async (args) => {
      const ca = await this.ca()
      const format = args.format ?? 'pem'
      const bytes = format === 'der' ? ca.der() : Buffer.from(ca.pem)
      const fileName = `tcpscope-ca.${format}`
      if (args.path === undefined) return { bytes: new Uint8Array(bytes), fileName } satisfies CaExport
      return { path: await this.writeExport(args.path, bytes, args.force ?? false), fileName }
    },
    'ca.regenerate': async (args) => {
      if (!args.confirm) throw new UserError('regenerating the CA needs confirming: every place that trusts the current CA will have to trust the new one instead', ERROR_CODES.EINVAL)
      return (await this.regenerate()).info()
    }
  }

  /** Only the certificate is ever written, and never over a file unless `force`. */
  private async writeExport(path: string, bytes: Buffer, force: boolean): Promise<string> {
    const resolved = this.folder?.resolve(path) ?? path
    const doing = `cannot export the CA certificate to ${resolved}`
    const target = await inspectTarget(resolved, doing)
    if (target.kind === 'file' && !force) throw new UserError(`${doing}: it already exists; replace it (--force) or pick another name`, ERROR_CODES.EEXIST)
    // A certificate is public: readable by everyone, as trust stores expect.
    await writeReplacing(target, { doing, mode: 0o644 }, (file) => file.writeFile(bytes))
    return target.path
  }
}
