// node:tls, node:http, node:http2 and node:v8, loaded when first used rather than as the
// engine's bundle loads: together they took about 30 ms of CPU of every CLI start on the
// 2-core machine (issue 46), and `show`, `export`, a plain TCP proxy or replay never use
// the first three (node:v8 only sets a flag, for the commands that forward).
// process.getBuiltinModule is synchronous (Node 20.16+, 22.3+), so each call site reads as
// it did with a static import; a module is loaded once, and each later call is a lookup.

export const nodeTls = (): typeof import('node:tls') => process.getBuiltinModule('node:tls')
export const nodeHttp = (): typeof import('node:http') => process.getBuiltinModule('node:http')
export const nodeHttp2 = (): typeof import('node:http2') => process.getBuiltinModule('node:http2')
export const nodeV8 = (): typeof import('node:v8') => process.getBuiltinModule('node:v8')
