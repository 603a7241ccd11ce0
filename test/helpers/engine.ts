// An engine on a fresh temp capture, closed and cleaned up by the returned dispose().
import { join } from 'node:path'
import { Engine } from '../../src/core/engine'
import type { CaptureOptions } from '../../src/core/capture/capture-store'
import type { EngineEvent } from '../../src/shared/events'
import { tempDir } from './net'

export interface TestEngine {
  engine: Engine
  dir: string
  capturePath: string
  events: EngineEvent[]
  dispose: () => Promise<void>
}

export function testEngine(opts: CaptureOptions = {}): TestEngine {
  const { dir, cleanup } = tempDir()
  const capturePath = join(dir, 'test.tcap')
  const engine = Engine.create({ capturePath, ...opts })
  const events: EngineEvent[] = []
  engine.subscribe((e) => events.push(e))
  return {
    engine,
    dir,
    capturePath,
    events,
    dispose: async () => {
      await engine.close()
      cleanup()
    }
  }
}

export const portOf = (listen: string): number => Number(listen.slice(listen.lastIndexOf(':') + 1))
