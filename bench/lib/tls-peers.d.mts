// Types for the part of tls-peers.mjs the tests share with the bench.
import type { ProxyProcess } from './proc.mjs'

export interface Certificates {
  ca: string
  cert: string
  key: string
  pem: string
}
export function makeCertificates(dir: string): Certificates
/** nginx over HTTPS on `port`, and the same site over HTTP on `plainPort`. */
export function startNginxTls(dir: string, certs: Certificates, www: string): Promise<ProxyProcess & { plainPort: number }>
export function exportTcpscopeCa(cli: string, dataDir: string, file: string): string
