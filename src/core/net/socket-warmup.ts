// Node's Socket constructor copies its options with `{ ...options }` and then adds three
// properties to the copy. On the V8 of Node 20 (11.3) a spread copy made while that site
// has seen few shapes gets a hidden class outside V8's transition tree, so each added
// property builds a brand-new hidden class, for every socket, and every later read of those
// options misses its inline cache. Measured here: about 14 µs of CPU per proxied connection
// (two sockets), a tenth of what a whole proxied connection costs.
//
// Once that site has seen many shapes, V8 copies through its generic path, whose objects
// share hidden classes, and the cost is gone. So before accepting traffic, build (and at
// once destroy) a few handle-less sockets from options of distinct shapes. They open no
// file descriptor; where V8 does not need this it costs a few microseconds once.

import { Socket } from 'node:net'

/** Distinct shapes, more than V8 keeps apart at one site (4), and calls enough to count. */
const SHAPES = 8
const ROUNDS = 4

export function warmSocketConstructor(): void {
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < SHAPES; k++) {
      new Socket({ [`tcpscopeWarmup${k}`]: true } as object).destroy()
    }
  }
}
