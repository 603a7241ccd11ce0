// The Replay tab says a replay's TLS failures naming its own controls ("CA file", "Don't
// verify the server's certificate") instead of the CLI's flags, in English and Chinese
// (src/renderer/src/features/replay/replay-tls.ts). Each wording it knows is checked here
// against the error the engine really makes: its verification failures with replay's flags,
// what it says of a recorded CA file it could not use (gone, a FIFO, another CA), and a CA
// file given that is not there or holds no certificate; so a change of the engine's wording
// that would leave the tab naming CLI flags fails beside the engine. Any other error is left
// to engineWords.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { aboutTls, replayTlsWords, replayWords } from '../../../src/renderer/src/features/replay/replay-tls'
import replayMessages from '../../../src/renderer/src/platform/i18n/messages/replay'
import { loadReplayTls, REPLAY_TLS_FLAGS, replayTlsFor } from '../../../src/core/replay/replay-tls'
import { verifyFailure } from '../../../src/core/tls/tls-errors'
import type { CertFacts } from '../../../src/shared/tls-types'
import { tempDir } from '../../helpers/net'
import { hasProgram, needProgram } from '../../helpers/peers'
import { makeTestCerts, type TestCerts } from '../../helpers/tls-certs'

/** vue-i18n's t over the messages of one language, as far as these use them: a missing key is itself, `{name}` a parameter. */
function translator(messages: Record<string, unknown>): (key: string, params?: Record<string, unknown>) => string {
  return (key, params = {}) => {
    const text = key.split('.').reduce<unknown>((m, k) => (m as Record<string, unknown> | undefined)?.[k], messages)
    return typeof text === 'string' ? text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name])) : key
  }
}
const en = translator(replayMessages.en)
const zh = translator(replayMessages['zh-CN'])

const tmp = tempDir()
let certs: TestCerts | undefined
beforeAll(() => {
  if (hasProgram('openssl')) certs = makeTestCerts(tmp.dir)
})
afterAll(() => tmp.cleanup())

const WHERE = 'localhost:18443'
const SELF: CertFacts[] = [{ subject: 'CN=localhost', issuer: 'CN=localhost', validFrom: '2026-01-01T00:00:00Z', validTo: '2027-01-01T00:00:00Z', sha256: 'AA', san: ['DNS:localhost'] } as CertFacts]

/** What the engine says when the chain does not verify, with what it made of the CA file `recorded` the connection recorded. */
async function untrusted(recorded?: string): Promise<string> {
  const tls = await loadReplayTls()
  const leg = await replayTlsFor(tls, { kind: 'proxy', tls: { server: { side: 'server', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', ...(recorded !== undefined ? { caFile: recorded } : {}) } } })
  return verifyFailure('DEPTH_ZERO_SELF_SIGNED_CERT', WHERE, SELF, 'localhost', REPLAY_TLS_FLAGS, leg!.connect.caNote).message
}

/** The message of what `p` rejects with. */
const rejection = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => {
      throw new Error('it loaded')
    },
    (e: Error) => e.message
  )

/** Said in the UI's language, naming the tab's controls and never a CLI flag; the engine's own words, in English, shown as they are. */
function both(message: string): { en: string; zh: string } {
  expect(aboutTls(message), message).toBe(true)
  const out = { en: replayTlsWords(message, en)!, zh: replayTlsWords(message, zh)! }
  for (const said of Object.values(out)) {
    expect(said, message).toBeDefined()
    expect(said).not.toMatch(/--upstream-ca|--insecure|--sni/)
  }
  expect(out.zh).toMatch(/[\u4e00-\u9fff]/)
  return out
}

describe("a replay's TLS failures in the Replay tab", () => {
  it('a certificate it cannot verify names "CA file" and "Don’t verify the server’s certificate"', async () => {
    const message = await untrusted()
    expect(message).toBe(`cannot verify ${WHERE}'s certificate (self-signed, CN localhost): pass --upstream-ca FILE to trust it, or --insecure to skip verification`)
    expect(both(message)).toEqual({
      en: `cannot verify ${WHERE}’s certificate (self-signed, CN localhost): give its CA in “CA file”, or tick “Don’t verify the server’s certificate”`,
      zh: `无法验证 ${WHERE} 的证书（self-signed, CN localhost）：请在“CA 文件”中给出它的 CA，或勾选“不验证服务器证书”`
    })
  })

  it('says what became of the CA file the capture recorded: gone, a FIFO, or another CA', async (ctx) => {
    const gone = join(tmp.dir, 'gone.pem')
    expect(both(await untrusted(gone))).toEqual({
      en: `cannot verify ${WHERE}’s certificate (self-signed, CN localhost; the CA file the capture recorded, ${gone}, cannot be used: it is not there): give its CA in “CA file”, or tick “Don’t verify the server’s certificate”`,
      zh: `无法验证 ${WHERE} 的证书（self-signed, CN localhost；抓包记录的 CA 文件 ${gone} 无法使用：文件不存在）：请在“CA 文件”中给出它的 CA，或勾选“不验证服务器证书”`
    })
    const fifo = join(tmp.dir, 'fifo.pem')
    execFileSync('mkfifo', [fifo])
    expect(both(await untrusted(fifo)).zh).toContain(`抓包记录的 CA 文件 ${fifo} 无法使用：它是 FIFO（命名管道），不是文件）`)
    needProgram(ctx, 'openssl', certs !== undefined)
    expect(both(await untrusted(certs!.caPath)).zh).toContain(`抓包记录的 CA 文件 ${certs!.caPath} 也无法验证它）`)
  })

  it('a name the certificate does not hold, and an expired one, name the checkbox', () => {
    const name = verifyFailure('ERR_TLS_CERT_ALTNAME_INVALID', WHERE, SELF, 'other.test', REPLAY_TLS_FLAGS).message
    expect(both(name).en).toBe(`cannot verify ${WHERE}’s certificate (issued for DNS:localhost, not for other.test): tick “Don’t verify the server’s certificate” to send it anyway`)
    const expired = verifyFailure('CERT_HAS_EXPIRED', WHERE, SELF, 'localhost', REPLAY_TLS_FLAGS).message
    expect(both(expired).en).toBe(`cannot verify ${WHERE}’s certificate (expired 2027-01-01, CN localhost): check the target’s certificate and this machine’s clock, or tick “Don’t verify the server’s certificate”`)
  })

  it('a CA file given that is not there, or holds no certificate, names "CA file"', async () => {
    const missing = join(tmp.dir, 'no-such.pem')
    expect(both(await rejection(loadReplayTls({ ca: missing })))).toEqual({ en: `cannot read the “CA file” ${missing}: no such file`, zh: `无法读取“CA 文件” ${missing}：没有这个文件` })
    const notPem = join(tmp.dir, 'not.pem')
    writeFileSync(notPem, 'hello')
    expect(both(await rejection(loadReplayTls({ ca: notPem }))).en).toBe(`the “CA file” ${notPem} holds no certificate (PEM “-----BEGIN CERTIFICATE-----” or DER)`)
  })

  it('leaves any other error to engineWords', () => {
    const refused = 'connection refused by 127.0.0.1:1: nothing is listening there; is the server running?'
    expect(aboutTls(refused)).toBe(false)
    expect(replayTlsWords(refused, en)).toBeUndefined()
    expect(replayWords(refused, en)).toBe(refused)
  })
})
