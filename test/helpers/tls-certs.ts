// Certificates for TLS tests, made by the openssl CLI in a temp folder: a test CA and a leaf
// it signed (upstream.test, localhost, 127.0.0.1), a self-signed certificate (CN
// upstream.test), and a client certificate the CA signed (for mTLS). Callers check for
// openssl first (needProgram / hasProgram).
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface TestCerts {
  dir: string
  /** The test CA's certificate (PEM file), and its contents. */
  caPath: string
  caPem: string
  /** A leaf the CA signed: DNS upstream.test, localhost; IP 127.0.0.1. */
  leafCert: string
  leafKey: string
  /** Self-signed, CN upstream.test. */
  selfCert: string
  selfKey: string
  /** A client certificate (CN tcpscope-client) the CA signed. */
  clientCert: string
  clientKey: string
  read(path: string): Buffer
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
}

export function makeTestCerts(dir: string): TestCerts {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=tcpscope test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'self-key.pem', '-out', 'self.pem', '-days', '30', '-subj', '/CN=upstream.test', '-addext', 'subjectAltName=DNS:upstream.test'])
  const sign = (name: string, subj: string, ext: string): void => {
    openssl(dir, ['req', ...ec, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', subj])
    writeFileSync(join(dir, `${name}.ext`), ext)
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}.pem`, '-days', '30', '-extfile', `${name}.ext`])
  }
  sign('leaf', '/CN=upstream.test', 'subjectAltName=DNS:upstream.test,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  sign('client', '/CN=tcpscope-client', 'extendedKeyUsage=clientAuth\n')
  const p = (f: string): string => join(dir, f)
  return {
    dir,
    caPath: p('ca.pem'),
    caPem: readFileSync(p('ca.pem'), 'utf8'),
    leafCert: p('leaf.pem'),
    leafKey: p('leaf-key.pem'),
    selfCert: p('self.pem'),
    selfKey: p('self-key.pem'),
    clientCert: p('client.pem'),
    clientKey: p('client-key.pem'),
    read: (path) => readFileSync(path)
  }
}
