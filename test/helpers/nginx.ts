// A real nginx on a free loopback port, serving a folder of files and, at /hello, a fixed
// answer; for tests that talk HTTP to a real server. Callers check for it first (needPeer).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connectTo, startServer } from './net'

export interface Nginx {
  port: number
  /** The master's pid, which is also its process group's id. */
  pid: number
  stop(): Promise<void>
}

export interface NginxOptions {
  /** Serve HTTPS (HTTP/1.1 only) with this certificate and key (PEM files). */
  tls?: { cert: string; key: string }
  /** With tls: also offer h2 by ALPN. */
  http2?: boolean
}

/** Starts nginx in `dir` (its config, logs and temp files go there), serving `files` under /. */
export async function startNginx(dir: string, files: Record<string, string | Buffer> = {}, opts: NginxOptions = {}): Promise<Nginx> {
  // Ask the kernel for a free port, then give it to nginx (which cannot listen on 0 and report).
  const probe = await startServer(() => {})
  const port = probe.port
  await probe.close()
  const www = join(dir, 'www')
  mkdirSync(www, { recursive: true })
  for (const [name, body] of Object.entries(files)) writeFileSync(join(www, name), body)
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'worker_processes 1;',
      // Run as root, nginx's worker would drop to nobody, who cannot read a private temp folder.
      process.getuid?.() === 0 ? 'user root;' : '',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log;`,
      'events { worker_connections 64; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;`,
      `  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
      `  server { listen 127.0.0.1:${port}${opts.tls ? ' ssl' : ''}${opts.tls && opts.http2 ? ' http2' : ''}; root ${www}; default_type application/octet-stream;`,
      opts.tls ? `    ssl_certificate ${opts.tls.cert}; ssl_certificate_key ${opts.tls.key};` : '',
      '    location = /hello { default_type text/plain; return 200 "hello from nginx\\n"; } }',
      '}'
    ].join('\n')
  )
  // Its own process group (detached), so stopping it takes the workers too: killed alone, the
  // master leaves its workers serving, orphaned, after the tests are done.
  const child = spawn('nginx', ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true
  })
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const group = child.pid!
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      // Fast shutdown: the master stops its workers and reaps them before it exits.
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    }
    // Whatever of the group outlived it (a worker the master could not reap) goes too.
    try {
      process.kill(-group, 'SIGKILL')
    } catch {
      // ESRCH: the group is gone already.
    }
  }
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${stderr}`)
    try {
      ;(await connectTo(port)).destroy()
      return { port, pid: group, stop }
    } catch (err) {
      if (i > 200) {
        await stop()
        throw new Error(`nginx never listened on ${port}: ${String(err)} ${stderr}`)
      }
      await new Promise((r) => setTimeout(r, 25))
    }
  }
}
