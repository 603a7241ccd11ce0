// A disk slower than the traffic, on a machine whose disk is faster: the kernel's block-I/O
// controller throttles writes to the capture's device for the processes put in a cgroup
// (cgroup v1 blkio.throttle.write_bps_device, or v2 io.max). Only O_DIRECT writes are
// throttled under v1 (page-cache writeback is not charged to the writer), which is what
// tcpscope's writer and the bench's dd row do. Needs Linux and root (or a delegated cgroup).
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The whole disk's major:minor under `dir` (throttle rules name a disk, not a partition). */
function diskOf(dir) {
  const dev = statSync(dir).dev
  // Linux's dev_t: major in bits 8-19 (and 32+), minor in bits 0-7 and 20-31.
  const major = Number((BigInt(dev) >> 8n) & 0xfffn)
  const minor = Number((BigInt(dev) & 0xffn) | ((BigInt(dev) >> 12n) & 0xfff00n))
  const sys = `/sys/dev/block/${major}:${minor}`
  if (!existsSync(sys)) throw new Error(`${dir} is not on a block device (${major}:${minor}; tmpfs or overlay?): no disk to throttle there`)
  // A partition's parent directory holds the disk's dev file.
  if (existsSync(join(sys, 'partition'))) return readFileSync(join(sys, '..', 'dev'), 'utf8').trim()
  return `${major}:${minor}`
}

/**
 * Makes a cgroup whose writes to `dir`'s disk are held to `mbps` MB/s (10^6 bytes). Returns
 * `wrap(command, args)`, giving the [command, args] that run the program inside it, and `remove()`.
 */
export function limitDisk(dir, mbps) {
  const disk = diskOf(dir)
  const bps = Math.round(mbps * 1e6)
  const name = `tcpscope-bench-${process.pid}`
  let group
  if (existsSync('/sys/fs/cgroup/blkio/cgroup.procs')) {
    group = join('/sys/fs/cgroup/blkio', name)
    mkdirSync(group)
    writeFileSync(join(group, 'blkio.throttle.write_bps_device'), `${disk} ${bps}`)
  } else if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    if (!readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').split(/\s+/).includes('io')) throw new Error('cgroup v2 without the io controller: cannot throttle the disk')
    writeFileSync('/sys/fs/cgroup/cgroup.subtree_control', '+io')
    group = join('/sys/fs/cgroup', name)
    mkdirSync(group)
    writeFileSync(join(group, 'io.max'), `${disk} wbps=${bps}`)
  } else throw new Error('no cgroup block-I/O controller here (Linux with cgroup v1 blkio or v2 io): --disk-limit cannot throttle the disk')
  const procs = join(group, 'cgroup.procs')
  return {
    disk,
    /** Moves a running process (all its threads) into the group: its later writes are throttled. */
    add: (pid) => writeFileSync(procs, String(pid)),
    /** The shell joins the cgroup, then becomes the program (same pid, so the bench's CPU and memory reads still find it). */
    wrap: (command, args) => ['sh', ['-c', `echo $$ > ${procs} && exec "$0" "$@"`, command, ...args]],
    remove() {
      try {
        rmdirSync(group)
      } catch {} // a process still in it: the kernel keeps the group until it exits
    }
  }
}
