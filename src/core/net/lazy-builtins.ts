// node:tls, node:http and node:http2, loaded when first used rather than as the engine's
// bundle loads: together they took about 28 ms of CPU of every CLI start on the 2-core
// machine (issue 46), and `show`, `export`, a plain TCP proxy or replay never use them.
// process.getBuiltinModule is synchronous (Node 20.16+, 22.3+), so each call site reads as
// it did with a static import; a module is loaded once, and each later call is a lookup.

export const nodeTls = (): typeof import('node:tls') => process.getBuiltinModule('node:tls')
export const nodeHttp = (): typeof import('node:http') => process.getBuiltinModule('node:http')
export const nodeHttp2 = (): typeof import('node:http2') => process.getBuiltinModule('node:http2')
