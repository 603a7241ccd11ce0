// The TLS bench's peers: a throwaway CA and server certificate made with openssl in the temp
// folder (ECDSA P-256, like tcpscope's own CA), nginx serving HTTPS with it, and haproxy
// terminating TLS toward clients and speaking TLS to nginx. Each server is a ProxyProcess, so
// its CPU is read from /proc like the proxies'.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { freePort, startHaproxy } from './peers.mjs'
import { ProxyProcess } from './proc.mjs'

const openssl = (args, cwd) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })

/**
 * A CA and a leaf for `localhost` and 127.0.0.1 signed by it, both ECDSA P-256, in `dir`.
 * Returns the paths: ca (PEM cert), cert, key, and pem (cert + key, as haproxy's `crt` wants).
 */
export function makeCertificates(dir) {
  mkdirSync(dir, { recursive: true })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=tcpscope bench throwaway CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir)
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir)
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n')
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.pem'], dir)
  const pem = join(dir, 'server-with-key.pem')
  writeFileSync(pem, Buffer.concat([readFileSync(join(dir, 'server.pem')), readFileSync(join(dir, 'server.key'))]))
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), pem }
}

/**
 * nginx serving `www` over HTTPS, as one process (`master_process off`), so the pid is the
 * one doing the work and SIGTERM takes all of it. `/hello` is a fixed short answer (the
 * handshake phase); other paths are files. Session tickets stay on (nginx's default), so a
 * proxy that resumes toward it (haproxy does by default) may. The same site over plain HTTP
 * on `plainPort`: the handshake-cost part subtracts a plain connection's cost.
 */
export async function startNginxTls(dir, certs, www) {
  const port = await freePort()
  const plainPort = await freePort()
  const conf = join(dir, `nginx-${port}.conf`)
  writeFileSync(
    conf,
    [
      'master_process off;',
      'daemon off;',
      'worker_processes 1;',
      process.getuid?.() === 0 ? 'user root;' : '',
      `pid ${dir}/nginx-${port}.pid;`,
      `error_log ${dir}/nginx-error.log;`,
      'events { worker_connections 4096; }',
      'http {',
      '  access_log off;',
      '  keepalive_requests 1000000;',
      // nginx before 1.23.4 (Debian 12 has 1.22) leaves TLS 1.3 out by default.
      '  ssl_protocols TLSv1.2 TLSv1.3;',
      `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;`,
      `  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
      `  server { listen 127.0.0.1:${port} ssl; listen 127.0.0.1:${plainPort}; ssl_certificate ${certs.cert}; ssl_certificate_key ${certs.key};`,
      `    root ${www}; default_type application/octet-stream;`,
      '    location = /hello { default_type text/plain; return 200 "hello from nginx\\n"; } }',
      '}',
      ''
    ].join('\n')
  )
  const nginx = await ProxyProcess.start('nginx', ['-p', dir, '-e', `${dir}/nginx-error.log`, '-c', conf], { command: 'nginx', listenAt: { host: '127.0.0.1', port } })
  nginx.plainPort = plainPort
  return nginx
}

/**
 * haproxy terminating TLS with `certs.pem` toward clients and speaking TLS to `target`,
 * verifying nginx's certificate against the throwaway CA (tcpscope and the bare forwarder
 * verify too). haproxy reuses its TLS sessions toward a server by default.
 */
export function startHaproxyTls(target, dir, certs) {
  return startHaproxy(target, dir, { bind: `ssl crt ${certs.pem}`, server: `ssl verify required ca-file ${certs.ca}` })
}

/**
 * tcpscope's CA, exported the way a user would (`tcpscope ca --export FILE`) from the data
 * folder `dataDir` (made there on first use), after checking that `cli` has TLS at all.
 */
export function exportTcpscopeCa(cli, dataDir, file) {
  const help = execFileSync(process.execPath, [cli, 'proxy', '--help'], { encoding: 'utf8' })
  if (!help.includes('--tls-listen')) throw new Error(`${relative(process.cwd(), cli)} proxy --help lists no --tls-listen: build the CLI (npm run build:cli), or leave tcpscope out`)
  execFileSync(process.execPath, [cli, 'ca', '--export', file], { env: { ...process.env, TCPSCOPE_DATA_DIR: dataDir }, stdio: ['ignore', 'ignore', 'pipe'] })
  if (!readFileSync(file, 'utf8').includes('BEGIN CERTIFICATE')) throw new Error(`tcpscope ca --export wrote no PEM certificate to ${file}`)
  return file
}
