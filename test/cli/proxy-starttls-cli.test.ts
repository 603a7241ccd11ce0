// `tcpscope proxy --tls-listen --tls-upstream` as the real CLI, with openssl s_client as
// the STARTTLS client (-starttls smtp, imap, pop3) in front of the small mail test servers:
// s_client verifies tcpscope's leaf with the exported CA, the proxy prints each leg as
// "TLS after STARTTLS (smtp)", and `ls` shows it beside the target.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { CliProcess, runCli } from '../helpers/cli'
import { tempDir } from '../helpers/net'
import { hasProgram, needProgram } from '../helpers/peers'
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs'
import { startMailServer, type MailProtocol } from '../helpers/mail-server'

const tmp = tempDir()
let certs: TestCerts
const have = hasProgram('openssl')
const cleanups: Array<() => unknown> = []
const savedDataDir = process.env.TCPSCOPE_DATA_DIR
let caFile: string

beforeAll(async () => {
  process.env.TCPSCOPE_DATA_DIR = join(tmp.dir, 'data')
  if (!have) return
  certs = makeTestCerts(tmp.dir)
  caFile = join(tmp.dir, 'tcpscope-ca.pem')
  expect((await runCli(['ca', '--export', caFile])).code).toBe(0)
})
afterAll(() => {
  tmp.cleanup()
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function sClient(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', ...args], { timeout: 20_000 }, (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? 1 : 0 }))
    child.stdin?.end('Q\n')
  })
}

describe('tcpscope proxy with STARTTLS clients (openssl s_client -starttls)', () => {
  for (const protocol of ['smtp', 'imap', 'pop3'] as MailProtocol[]) {
    it(`${protocol}: s_client verifies tcpscope's leaf after the switch; the proxy and ls say "TLS after STARTTLS (${protocol})"`, async (ctx) => {
      needProgram(ctx, 'openssl', have)
      const server = await startMailServer(protocol, { cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey) })
      cleanups.push(server.close)
      const capture = join(tmp.dir, `${protocol}.tcap`)
      const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${server.port}`, '--capture', capture, '--tls-listen', '--tls-upstream', '--upstream-ca', certs.caPath])
      cleanups.push(() => cli.stop())
      const line = await cli.waitLine((l) => l.startsWith('tcpscope: listening on'))
      const port = Number(/listening on 127\.0\.0\.1:(\d+) /.exec(line)![1])
      const r = await sClient(['-connect', `127.0.0.1:${port}`, '-starttls', protocol, '-servername', 'upstream.test', '-CAfile', caFile, '-verify_return_error'])
      expect(r.stdout).toContain('Verify return code: 0 (ok)')
      await cli.waitLine((l) => new RegExp(`TLS after STARTTLS \\(${protocol}\\) with the target: TLSv1\\.3, \\S+, SNI upstream\\.test`).test(l))
      await cli.waitLine((l) => new RegExp(`TLS after STARTTLS \\(${protocol}\\) with the client: TLSv1\\.3, \\S+, SNI upstream\\.test`).test(l))
      expect(server.sessions[0].tls).toBe(true)
      await cli.stop()
      const ls = await runCli(['ls', capture])
      expect(ls.stdout).toContain(`[TLS after STARTTLS (${protocol}) upstream.test]`)
    }, 30_000)
  }
})
