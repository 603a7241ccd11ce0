// The protocol layer's entry points the decoding service uses, in one place (the bench
// bundles them from here too).

export { createConnectionDecoder } from '../protocols/connection-decoder'
