// The CA commands and the shared CA accessor: on the service itself over a fresh temp data
// folder, and wired into a real engine (TCPSCOPE_DATA_DIR pointing at that folder).
import { X509Certificate } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { CaService, type CaSource } from '../../../src/core/tls/ca-commands'
import { SaveFolder } from '../../../src/core/files/save-folder'

let dir: string
let service: CaService
/** The service as the engine's command table has it (engine['ca.info'] ...). */
let engine: CaService['commands'] & { ca: CaSource }
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tcpscope-ca-cmd-'))
  service = new CaService(dir, new SaveFolder(dir))
  engine = { ...service.commands, ca: service.ca }
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('the engine CA', () => {
  it('is opened once, lazily, and shared: ca.info and engine.ca() are the same CA', async () => {
    const before = process.env.TCPSCOPE_DATA_DIR
    process.env.TCPSCOPE_DATA_DIR = dir
    let te: TestEngine | undefined
    try {
      te = await testEngine()
      const [a, b] = await Promise.all([te.engine.ca(), te.engine.ca()])
      expect(b).toBe(a)
      const info = await te.engine['ca.info']()
      expect(info.dataDir).toBe(dir)
      expect(info.certPath).toBe(join(dir, 'ca', 'tcpscope-ca.pem'))
      expect(info.sha256).toBe(a.info().sha256)
      expect(info.created).toBe(true)
    } finally {
      await te?.dispose()
      if (before === undefined) delete process.env.TCPSCOPE_DATA_DIR
      else process.env.TCPSCOPE_DATA_DIR = before
    }
  })

  it('exports by a relative name land in the save folder', async () => {
    expect((await engine['ca.export']({ path: 'rel.pem' })).path).toBe(join(dir, 'rel.pem'))
  })

  it('ca.export with no path returns the certificate only, PEM or DER', async () => {
    const info = await engine['ca.info']()
    const pem = await engine['ca.export']({})
    expect(pem.fileName).toBe('tcpscope-ca.pem')
    expect(Buffer.from(pem.bytes!).toString()).toBe(info.pem)
    const der = await engine['ca.export']({ format: 'der' })
    expect(der.fileName).toBe('tcpscope-ca.der')
    expect(new X509Certificate(Buffer.from(der.bytes!)).fingerprint256).toBe(info.sha256)
  })

  it('ca.export to a file writes the certificate (0644), and will not replace a file unless forced', async () => {
    const out = join(dir, 'exported.pem')
    expect(await engine['ca.export']({ path: out })).toEqual({ path: out, fileName: 'tcpscope-ca.pem' })
    const text = await readFile(out, 'utf8')
    expect(text).toBe((await engine['ca.info']()).pem)
    expect(text).not.toContain('PRIVATE KEY')
    expect((await stat(out)).mode & 0o777).toBe(0o644)
    await writeFile(out, 'mine')
    await expect(engine['ca.export']({ path: out, format: 'der' })).rejects.toMatchObject({ code: 'EEXIST', message: `cannot export the CA certificate to ${out}: it already exists; replace it (--force) or pick another name` })
    expect(await readFile(out, 'utf8')).toBe('mine')
    await engine['ca.export']({ path: out, format: 'der', force: true })
    expect(new X509Certificate(await readFile(out)).fingerprint256).toBe((await engine['ca.info']()).sha256)
  })

  it('ca.export into a missing folder is one line', async () => {
    await expect(engine['ca.export']({ path: join(dir, 'nope', 'ca.pem') })).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringMatching(/^cannot export the CA certificate to .*: its folder does not exist$/) })
  })

  it('ca.regenerate needs confirming, then every later caller gets the new CA', async () => {
    const old = await engine['ca.info']()
    await expect(engine['ca.regenerate']({ confirm: false })).rejects.toMatchObject({ code: 'EINVAL' })
    expect((await engine['ca.info']()).sha256).toBe(old.sha256)
    const made = await engine['ca.regenerate']({ confirm: true })
    expect(made.sha256).not.toBe(old.sha256)
    expect((await engine.ca()).info().sha256).toBe(made.sha256)
    expect(Buffer.from((await engine['ca.export']({})).bytes!).toString()).toBe(made.pem)
    expect((await stat(made.keyPath)).mode & 0o777).toBe(0o600)
  })

  it('a CA that cannot be opened is one line, and a later call tries again', async () => {
    await writeFile(join(dir, 'ca'), 'a file where the folder goes')
    await expect(engine['ca.info']()).rejects.toMatchObject({ message: expect.stringMatching(/^cannot make tcpscope's data folder .*: EEXIST \(set TCPSCOPE_DATA_DIR to a folder you can write\)$/) })
    await rm(join(dir, 'ca'))
    expect((await engine['ca.info']()).created).toBe(true)
  })
})
