// Small file systems mounted for a test (root on Linux), to fill them up for real.
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

/** Mounts a small file system of `kind` in a fresh folder under `dir`, or says why it cannot. */
export function mountSmall(kind: 'tmpfs' | 'ext4', dir: string, cleanups: Array<() => unknown>, megabytes = kind === 'tmpfs' ? 3 : 6): string | { why: string } {
  const at = join(dir, 'mnt')
  mkdirSync(at)
  try {
    if (kind === 'tmpfs') execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', at], { stdio: 'pipe' })
    else {
      const image = join(dir, 'disk.img')
      execFileSync('dd', ['if=/dev/zero', `of=${image}`, 'bs=1M', `count=${megabytes}`, 'status=none'], { stdio: 'pipe' })
      // No blocks reserved for root: the tests run as root and must meet a really full disk.
      execFileSync('mkfs.ext4', ['-q', '-m', '0', image], { stdio: 'pipe' })
      execFileSync('mount', ['-o', 'loop', image, at], { stdio: 'pipe' })
    }
  } catch (err) {
    return { why: `cannot mount a ${kind} here (${String((err as { stderr?: Buffer }).stderr ?? err).trim().split('\n')[0]}); run as root on Linux` }
  }
  cleanups.push(() => execFileSync('umount', ['-l', at], { stdio: 'pipe' }))
  return at
}
