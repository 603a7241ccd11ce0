// A command line typed in Intercept ▸ "A command…" split as sh splits words, with no shell:
// quotes and backslashes as in sh, shell operators refused rather than passed on, and what
// joinCommandLine writes reads back as the same words.
import { describe, expect, it } from 'vitest'
import { joinCommandLine, splitCommandLine } from '../../src/shared/command-line'

describe('splitCommandLine', () => {
  it('splits words as sh does', () => {
    expect(splitCommandLine('  curl -s   http://127.0.0.1:8080/a?b=1 ')).toEqual({ ok: true, argv: ['curl', '-s', 'http://127.0.0.1:8080/a?b=1'] })
    expect(splitCommandLine(`redis-cli SET k 'two words' "say \\"hi\\" \\n" a\\ b '' end`)).toEqual({ ok: true, argv: ['redis-cli', 'SET', 'k', 'two words', 'say "hi" \\n', 'a b', '', 'end'] })
    expect(splitCommandLine(`sh -c 'echo a | wc -c; exit 3'`)).toEqual({ ok: true, argv: ['sh', '-c', 'echo a | wc -c; exit 3'] })
    expect(splitCommandLine('curl "http://x/?a=1&b=2" \\|')).toEqual({ ok: true, argv: ['curl', 'http://x/?a=1&b=2', '|'] })
  })

  it('refuses what would need a shell, an open quote, and nothing', () => {
    expect(splitCommandLine('curl http://x | jq .')).toEqual({ ok: false, problem: 'operator', char: '|' })
    expect(splitCommandLine('curl http://x/?a=1&b=2')).toEqual({ ok: false, problem: 'operator', char: '&' })
    expect(splitCommandLine('echo $HOME')).toEqual({ ok: false, problem: 'operator', char: '$' })
    expect(splitCommandLine('echo hi > out')).toEqual({ ok: false, problem: 'operator', char: '>' })
    expect(splitCommandLine(`echo 'open`)).toEqual({ ok: false, problem: 'unclosed-quote', char: "'" })
    expect(splitCommandLine('echo "open')).toEqual({ ok: false, problem: 'unclosed-quote', char: '"' })
    expect(splitCommandLine('  \t ')).toEqual({ ok: false, problem: 'empty' })
  })

  it('reads back what joinCommandLine writes', () => {
    const argv = ['/usr/bin/curl', '-H', "X-Name: it's", 'a b', '', '$HOME', 'http://x/?a=1&b=2']
    const line = joinCommandLine(argv)
    expect(line).toBe(`/usr/bin/curl -H 'X-Name: it'\\''s' 'a b' '' '$HOME' 'http://x/?a=1&b=2'`)
    expect(splitCommandLine(line)).toEqual({ ok: true, argv })
  })
})
