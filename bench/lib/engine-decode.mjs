// A capture decoded through the engine as the exchange list sees it: capture.open, then
// exchange.page until its scan is done (bench/decode.mjs and bench/decode-fresh.mjs).
import { performance } from 'node:perf_hooks'

/** Opens `file` in `engine`, pages until decoded and closes it: the open's and the decoding's times, and the last page. */
export async function decodeThroughEngine(engine, file) {
  const t0 = performance.now()
  const info = await engine['capture.open']({ path: file })
  const t1 = performance.now()
  let page
  let calls = 0
  do {
    page = await engine['exchange.page']({ capture: info.id, offset: 0, limit: 100 })
    calls++
  } while (page.scan)
  const t2 = performance.now()
  await engine['capture.close']({ capture: info.id })
  return { openMs: t1 - t0, decodeMs: t2 - t1, exchanges: page.of, calls, page }
}
