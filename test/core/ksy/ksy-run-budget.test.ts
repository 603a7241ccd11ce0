// A run of a compiled `.ksy` parser has 250 ms (ksy-runner.ts). node:vm cuts it by wall time,
// so a run cut while its thread waited (a busy machine gave it no CPU) is run again with more
// wall time, and its CPU time is the budget: a parse that only waited is answered, one that
// loops is still cut, and one that waits for good is cut by the longer wall budget. Parsers
// written by hand as the compiler writes them: a real .ksy cannot sleep.
import { describe, expect, it } from 'vitest'
import { KsyParser } from '../../../src/core/ksy/ksy-runner'

/** A top-level type `Top` whose _read runs `body` and then reads one byte; `runs()` counts its reads. */
function parser(body: string): { p: KsyParser; runs: () => number } {
  const code = `
var runs = { n: 0 };
var Top = (function () {
  function Top(_io, _parent, _root) { this._io = _io; this._parent = _parent; this._root = _root || this; this._debug = {}; }
  Top.prototype._read = function () { runs.n++; ${body}; this.b = this._io.readU1(); };
  return Top;
})();
exports.Top = Top;
exports.runs = runs;`
  const p = new KsyParser({ 'Top.js': code }, 'Top')
  return { p, runs: () => (p.modules.get('Top')!.runs as { n: number }).n }
}

// Waiting uses no CPU: the thread's CPU time tells a wait from a loop on Linux (and on Node 22.19 on).
const cpuTold = process.platform === 'linux' || typeof (process as { threadCpuUsage?: unknown }).threadCpuUsage === 'function'

describe.runIf(cpuTold)('a .ksy run\'s budget', () => {
  it('answers a parse that waited 400 ms on the wall without running (its thread starved), run again', () => {
    const { p, runs } = parser('Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400)')
    const run = p.run(Uint8Array.of(7), false)
    expect(run.error).toBeUndefined()
    expect(run.timedOut).toBe(false)
    expect((run.root as unknown as { b: number }).b).toBe(7)
    expect(runs()).toBe(2)
  })

  it('still cuts a parse that loops at 250 ms (run again only where a busy machine kept it waiting)', () => {
    const { p, runs } = parser('for (;;) {}')
    const run = p.run(Uint8Array.of(7), false)
    expect(run.timedOut).toBe(true)
    expect(run.error?.message).toBe('the parse took longer than 250 ms (a .ksy\'s loop or repeat too large for a message)')
    expect(runs()).toBeLessThanOrEqual(2)
  })

  it('cuts a parse that waits for good, at the longer wall budget', () => {
    const { p, runs } = parser('Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)')
    const run = p.run(Uint8Array.of(7), false)
    expect(run.timedOut).toBe(true)
    expect(run.error?.message).toMatch(/^the parse took longer than 250 ms/)
    expect(runs()).toBe(2)
  })

  it('answers a parse that runs well within its budget at once', () => {
    const { p, runs } = parser('')
    expect(p.run(Uint8Array.of(9), false).error).toBeUndefined()
    expect(runs()).toBe(1)
  })
})
