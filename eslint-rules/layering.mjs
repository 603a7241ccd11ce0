// The layering of src/ as an allow-list: each top-level folder names what it may import (its
// own folder and those below it, Node's built-ins or some of them, Electron, npm packages),
// and anything else is refused, whatever form the import takes: static, type-only,
// re-export, dynamic import(), require(), or a path that reaches the same place through an
// alias ('@renderer/../../core/x') or by climbing out of its folder ('../../core/x'). A
// folder inside one may be a stricter layer of its own, down to the rooms of core/capture.

import { builtinModules } from 'node:module'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'

const nodeBuiltins = new Set(builtinModules.filter((name) => !name.startsWith('_')))

/**
 * What each folder of src/ may import. `folders`: other src folders (its own is always
 * allowed); `typeFolders`: folders it may take types from but no code; `node`: true for every
 * built-in, or a list; `electron`; `packages`: true for any npm package, or a list;
 * `rootFiles`: files at the repository's root. `why` is the folder's job, shown with a refusal.
 *
 * A sub-layer (a key inside another key's folder) is stricter than its parent: the longest
 * key that holds a file is its layer. `siblings` names the folders and files beside it, in
 * the folder that holds it, that it may import; the rest of that folder is refused. Beyond
 * that folder a sub-layer without `folders` follows its parent, and a setting it does not
 * name (node, electron, packages, ...) is its parent's.
 */
export const LAYERS = {
  shared: {
    why: 'src/shared is the contract, pure TypeScript for every runtime (no Node, DOM or Electron)',
    folders: [],
    node: false,
    electron: false,
    packages: false
  },
  core: {
    why: 'src/core is the engine, plain Node: it knows none of its front ends and no Electron',
    folders: ['shared'],
    node: true,
    electron: false,
    packages: true
  },
  // A sub-layer is stricter than its folder: the longest key that holds a file is its layer.
  'core/protocols': {
    why: 'src/core/protocols are decoders over Uint8Array, runnable anywhere (a worker, the page): no Node, I/O or packages',
    folders: ['shared'],
    node: false,
    electron: false,
    packages: false
  },
  // The capture store is beneath the rest of the engine: decoding, export, replay, proxies
  // and sessions read or record through it, and it imports none of them.
  'core/capture': {
    why: 'src/core/capture records and reads capture files, beneath decoding, export, replay, proxies and sessions: of the engine it uses only core/files, the payload and regex parsers and the command table',
    folders: ['shared'],
    // The command table is how every domain hands the engine its commands.
    siblings: ['files', 'payload', 'regex', 'command-table']
  },
  // Files in and out of the engine: where a capture or an export may be written (never over
  // what is not ours), uploads and downloads, small reads of a user's files. Beneath the
  // capture store, whose byte layout (capture/format) it reads to know a capture file.
  'core/files': {
    why: 'src/core/files are the file helpers beneath the capture store and every domain: of the engine they use only the capture format and the command table',
    folders: ['shared'],
    siblings: ['capture/format', 'command-table']
  },
  // Its rooms, from the bottom up: format <- read <- query <- write. The files at the top of
  // core/capture (open-captures.ts, file-capture.ts) put rooms together and may use them all.
  'core/capture/format': {
    why: 'src/core/capture/format is the byte layout of records and of the stored index: it uses no other room of the capture store',
    siblings: []
  },
  'core/capture/read': {
    why: 'src/core/capture/read reads a capture file through its index: of the capture store it uses only format',
    siblings: ['format']
  },
  'core/capture/query': {
    why: 'src/core/capture/query answers questions of a capture (its index, lists, filters, search): of the capture store it uses format and read, never write',
    siblings: ['format', 'read']
  },
  'core/capture/write': {
    why: 'src/core/capture/write records a live capture: of the capture store it uses format, read and query',
    siblings: ['format', 'read', 'query']
  },
  cli: {
    why: 'src/cli runs the engine in plain Node: no Electron, shell or UI',
    folders: ['core', 'shared'],
    node: true,
    electron: false,
    packages: true,
    rootFiles: ['package.json']
  },
  main: {
    why: 'src/main is the Electron shell: it reaches the page only through IPC and shares no code with the CLI',
    folders: ['core', 'shared'],
    node: true,
    electron: true,
    packages: true
  },
  preload: {
    why: 'src/preload is sandboxed: it relays the contract and may load only electron, events, timers and url',
    folders: ['shared'],
    node: ['events', 'timers', 'url'],
    electron: true,
    packages: false
  },
  renderer: {
    why: 'src/renderer is a web page: it reaches the engine only through the transport, and Node is not there',
    folders: ['shared'],
    // The preload's bridge is the window API the page is given; it may know its type.
    typeFolders: ['preload'],
    node: false,
    electron: false,
    packages: true
  },
  // The page's generic widgets (grid, lists, form fields, radio groups): its features and its
  // shell (renderer/src/features, renderer/src/app) use them, never the other way round.
  'renderer/src/ui': {
    why: 'src/renderer/src/ui holds generic widgets with no feature knowledge: it imports no feature, store or app shell of the page',
    siblings: []
  },
  // The ground every feature stands on: the transport to the engine, the engine's store
  // (its events, its calls) and i18n. Below the features and the shell, it knows neither.
  'renderer/src/platform': {
    why: 'src/renderer/src/platform is what every feature stands on (transport, engine store, i18n): it imports no feature, widget or app shell',
    siblings: []
  },
  // Features use the ground and the widgets, and one another; only the shell (app/) composes them.
  'renderer/src/features': {
    why: 'src/renderer/src/features are what the shell composes: they use platform/ and ui/, never the app shell (app/ imports them, not the other way round)',
    siblings: ['platform', 'ui']
  }
}

/** Path aliases the build resolves (vite.renderer.shared.ts, tsconfig.web.json). */
export const ALIASES = { '@renderer': 'src/renderer/src' }

/** What a specifier names: a file of the repository, Node, Electron, a package, or an alias nobody defines. */
function classify(spec, fromFile, root) {
  if (spec.startsWith('.') || isAbsolute(spec)) return { kind: 'file', path: resolve(dirname(fromFile), spec) }
  const first = spec.split('/')[0]
  if (first in ALIASES) return { kind: 'file', path: join(root, ALIASES[first], spec.slice(first.length)) }
  if (spec.startsWith('node:')) return { kind: 'node', name: spec.slice(5).split('/')[0] }
  if (nodeBuiltins.has(first)) return { kind: 'node', name: first }
  if (first === 'electron') return { kind: 'electron' }
  // A scoped package is @scope/name; '@', '~' or '#' alone, or a bare '@x' is an alias.
  if (/^@[\w.-]+$/.test(first) && /^[\w.-]+/.test(spec.split('/')[1] ?? '')) return { kind: 'package', name: spec.split('/').slice(0, 2).join('/') }
  if (/^[a-z0-9][\w.-]*$/i.test(first)) return { kind: 'package', name: first }
  return { kind: 'alias', name: first }
}

const within = (path, folder) => path === folder || path.startsWith(folder + '/')
const longestFirst = () => Object.keys(LAYERS).sort((a, b) => b.length - a.length)

/** The layer holding `path` (relative to src/, '/'-separated): the longest key of LAYERS it is in, else its top folder. */
function layerOf(path) {
  return longestFirst().find((k) => within(path, k)) ?? path.split('/')[0]
}

/** The layer a sub-layer sits in: the longest other key that holds it. */
const parentOf = (name) => longestFirst().find((k) => k !== name && within(name, k))

/** A layer's setting, or the nearest parent's that has it. */
function setting(name, key) {
  for (let n = name; n !== undefined; n = parentOf(n)) if (LAYERS[n]?.[key] !== undefined) return LAYERS[n][key]
  return undefined
}

/** Whether layer `name` may import the src/ file at `path` (both relative to src/). */
function mayUse(name, path) {
  if (within(path, name)) return true
  const layer = LAYERS[name]
  const home = name.split('/').slice(0, -1).join('/')
  if (layer.siblings !== undefined && home !== '' && within(path, home)) {
    const bare = path.replace(/\.[cm]?[jt]s$/, '')
    return layer.siblings.some((s) => within(bare, `${home}/${s}`))
  }
  if (layer.folders !== undefined) return layer.folders.some((f) => within(path, f))
  const parent = parentOf(name)
  return parent !== undefined && mayUse(parent, path)
}

/** What an import from `from` to `path` reaches into: the layer holding `path`, or, inside the importer's own layer, the folder or file it names. */
function reached(from, path) {
  const layer = layerOf(path)
  return within(from, layer) ? path.split('/').slice(0, layer.split('/').length + 1).join('/') : layer
}

/** Why `spec` may not be imported from `file` (in `layer`), or undefined when it may. */
export function refusal(spec, file, root, typeOnly = false) {
  const from = relative(join(root, 'src'), file).split(sep).join('/')
  const layerName = layerOf(from)
  const layer = LAYERS[layerName]
  if (!layer) return `src/${layerName} is not a known layer; give it its allow-list in eslint-rules/layering.mjs`
  const target = classify(spec, file, root)
  const refuse = (what) => `${layer.why}; '${spec}' ${what}.`
  switch (target.kind) {
    case 'node': {
      const node = setting(layerName, 'node')
      const ok = node === true || (Array.isArray(node) && node.includes(target.name))
      return ok ? undefined : refuse(`is Node's ${target.name}, which src/${layerName} may not load`)
    }
    case 'electron':
      return setting(layerName, 'electron') ? undefined : refuse('is Electron, which only src/main and src/preload load')
    case 'package': {
      const packages = setting(layerName, 'packages')
      const ok = packages === true || (Array.isArray(packages) && packages.includes(target.name))
      return ok ? undefined : refuse(`is the package ${target.name}, which src/${layerName} may not use`)
    }
    case 'alias':
      return refuse(`uses an alias (${target.name}) the build does not define`)
    case 'file': {
      const fromRoot = relative(root, target.path)
      const parts = fromRoot.split(sep)
      if (parts[0] !== 'src') {
        return parts[0] === '..' || !(setting(layerName, 'rootFiles') ?? []).includes(fromRoot) ? refuse('is outside src/') : undefined
      }
      const path = parts.slice(1).join('/')
      const types = (setting(layerName, 'typeFolders') ?? []).some((f) => within(path, f))
      if (mayUse(layerName, path)) return undefined
      if (typeOnly && types) return undefined
      return refuse(`reaches into src/${reached(from, path)}${types ? ' for code (only its types may be imported)' : ''}`)
    }
  }
}

/** The ESLint rule; `root` is the repository's root (the folder holding src/). */
function importsRule(root) {
  return {
    meta: {
      type: 'problem',
      docs: { description: 'Each folder of src/ imports only what its allow-list names (eslint-rules/layering.mjs).' },
      schema: []
    },
    create(context) {
      const file = context.filename
      if (!file.startsWith(join(root, 'src') + sep)) return {}
      const layerName = layerOf(relative(join(root, 'src'), file).split(sep).join('/'))
      if (!LAYERS[layerName]) {
        return { Program: (node) => context.report({ node, message: `src/${layerName} is not a known layer; give it its allow-list in eslint-rules/layering.mjs.` }) }
      }
      const check = (node, source, typeOnly) => {
        if (!source) return
        if (source.type !== 'Literal' || typeof source.value !== 'string') {
          if (source.type === 'TemplateLiteral' && source.expressions.length === 0) return check(node, { type: 'Literal', value: source.quasis[0].value.cooked }, typeOnly)
          context.report({ node, message: 'A module named by a computed expression cannot be checked against the layering; name it with a string.' })
          return
        }
        const why = refusal(source.value, file, root, typeOnly)
        if (why) context.report({ node, message: why })
      }
      const allTypes = (node) => node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'))
      return {
        ImportDeclaration: (node) => check(node, node.source, allTypes(node)),
        ExportNamedDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
        ExportAllDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
        ImportExpression: (node) => check(node, node.source, false),
        TSImportType: (node) => check(node, node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.source, true),
        TSExternalModuleReference: (node) => check(node, node.expression, false),
        CallExpression: (node) => {
          if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length > 0) check(node, node.arguments[0], false)
        }
      }
    }
  }
}

/** The plugin, for eslint.config.mjs: `layering/imports`. */
export function layeringPlugin(root) {
  return { rules: { imports: importsRule(root) } }
}
