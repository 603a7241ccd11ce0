// The engine internals the decoding bench measures apart from any front end, bundled by
// bench/decode.mjs the way vite.cli.config.ts bundles the CLI (out/bench/decode-internals.cjs,
// with the decode worker beside it as the CLI has it): the CLI bundle exports none of them.
// decoders.ts is where the decoding service takes the protocol layer's entry points from.
export { createConnectionDecoder } from '../../src/core/decode/decoders'
export { DecoderSet } from '../../src/core/decode/decoder-set'
export { FeedOps } from '../../src/core/decode/feed-ops'
export { ExchangeBatch, ExchangeBatchWriter } from '../../src/core/decode/exchange-batch'
export { Engine } from '../../src/core/engine'
export { readStats } from '../../src/core/capture/read/capture-reader'
export { MessageCutter } from '../../src/core/protocols/messages/message-cutter'
export { codecFor } from '../../src/core/protocols/messages/message-decoders'
