// Scripts that stand in for browsers in interception tests: each records its command line
// (`args`) and what its profile folder held at start (`profile`) in its `out` folder, then
// keeps running (`run`), exits 0 (`exit`, as a user closing it) or fails with a message
// on stderr (`fail`). Found through a BrowserHost whose PATH holds only them.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { currentHost, type BrowserHost } from '../../src/core/intercept/browser-discovery'

const SCRIPT = `#!/bin/sh
profile=""
prev=""
for a in "$@"; do
  case "$a" in --user-data-dir=*) profile="\${a#--user-data-dir=}";; esac
  [ "$prev" = "-profile" ] && profile="$a"
  prev="$a"
done
printf '%s\\n' "$@" > "$FAKE_OUT/args.tmp"
ls -A "$profile" > "$FAKE_OUT/profile"
mv "$FAKE_OUT/args.tmp" "$FAKE_OUT/args"
case "$FAKE_MODE" in
  exit) exit 0;;
  fail) echo "[1:1:ERROR] Missing X server or \\$DISPLAY" >&2; exit 1;;
esac
exec sleep 60
`

export interface FakeBrowsers {
  /** Finds the fake browsers (and the system's certutil), nothing else. */
  host: BrowserHost
  /** The browsers' environment. */
  env: NodeJS.ProcessEnv
  out: string
  /** The last started browser's command line and profile listing, once it wrote them. */
  launched(): Promise<{ args: string[]; profile: string[] }>
}

/** Fake browsers named `names` (executable names, e.g. `chromium`, `google-chrome`) in `dir`. */
export function fakeBrowsers(dir: string, names: string[], mode: 'run' | 'exit' | 'fail' = 'run'): FakeBrowsers {
  const bin = join(dir, 'bin')
  const out = join(dir, 'out')
  for (const d of [bin, out]) mkdirSync(d, { recursive: true })
  for (const name of names) {
    writeFileSync(join(bin, name), SCRIPT)
    chmodSync(join(bin, name), 0o755)
  }
  const real = currentHost()
  return {
    host: {
      ...real,
      platform: 'linux',
      env: { PATH: `${bin}:/usr/bin:/bin` },
      isExecutable: async (p) => (p.startsWith(bin + '/') || p.endsWith('/certutil')) && real.isExecutable(p)
    },
    env: { PATH: process.env.PATH, FAKE_OUT: out, FAKE_MODE: mode },
    out,
    launched: async () => {
      const file = join(out, 'args')
      for (let i = 0; !existsSync(file); i++) {
        if (i > 1000) throw new Error('the fake browser never ran')
        await new Promise((r) => setTimeout(r, 10))
      }
      const lines = (f: string): string[] => readFileSync(join(out, f), 'utf8').split('\n').filter((l) => l !== '')
      return { args: lines('args'), profile: lines('profile') }
    }
  }
}
