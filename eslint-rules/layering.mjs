// The layering of src/ as an allow-list: each top-level folder names what it may import (its
// own folder and those below it, Node's built-ins or some of them, Electron, npm packages),
// and anything else is refused, whatever form the import takes: static, type-only,
// re-export, dynamic import(), require(), or a path that reaches the same place through an
// alias ('@renderer/../../core/x') or by climbing out of its folder ('../../core/x').

import { builtinModules } from 'node:module'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'

const nodeBuiltins = new Set(builtinModules.filter((name) => !name.startsWith('_')))

/**
 * What each folder of src/ may import. `folders`: other src folders (its own is always
 * allowed); `typeFolders`: folders it may take types from but no code; `node`: true for every
 * built-in, or a list; `electron`; `packages`: true for any npm package, or a list;
 * `rootFiles`: files at the repository's root. `why` is the folder's job, shown with a refusal.
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
  }
}

/** Path aliases the build resolves (electron.vite.config.ts, vite.renderer.config.ts, tsconfig.web.json). */
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

/** The layer holding `path` (relative to src/, '/'-separated): the longest key of LAYERS it is in, else its top folder. */
function layerOf(path) {
  const keys = Object.keys(LAYERS).sort((a, b) => b.length - a.length)
  return keys.find((k) => path === k || path.startsWith(k + '/')) ?? path.split('/')[0]
}

const within = (path, folder) => path === folder || path.startsWith(folder + '/')

/** Why `spec` may not be imported from `file` (in `layer`), or undefined when it may. */
export function refusal(spec, file, root, typeOnly = false) {
  const layerName = layerOf(relative(join(root, 'src'), file).split(sep).join('/'))
  const layer = LAYERS[layerName]
  if (!layer) return `src/${layerName} is not a known layer; give it its allow-list in eslint-rules/layering.mjs`
  const target = classify(spec, file, root)
  const refuse = (what) => `${layer.why}; '${spec}' ${what}.`
  switch (target.kind) {
    case 'node': {
      const ok = layer.node === true || (Array.isArray(layer.node) && layer.node.includes(target.name))
      return ok ? undefined : refuse(`is Node's ${target.name}, which src/${layerName} may not load`)
    }
    case 'electron':
      return layer.electron ? undefined : refuse('is Electron, which only src/main and src/preload load')
    case 'package': {
      const ok = layer.packages === true || (Array.isArray(layer.packages) && layer.packages.includes(target.name))
      return ok ? undefined : refuse(`is the package ${target.name}, which src/${layerName} may not use`)
    }
    case 'alias':
      return refuse(`uses an alias (${target.name}) the build does not define`)
    case 'file': {
      const fromRoot = relative(root, target.path)
      const parts = fromRoot.split(sep)
      if (parts[0] !== 'src') {
        return parts[0] === '..' || !(layer.rootFiles ?? []).includes(fromRoot) ? refuse('is outside src/') : undefined
      }
      const path = parts.slice(1).join('/')
      const types = (layer.typeFolders ?? []).some((f) => within(path, f))
      if (within(path, layerName) || layer.folders.some((f) => within(path, f))) return undefined
      if (typeOnly && types) return undefined
      return refuse(`reaches into src/${layerOf(path)}${types ? ' for code (only its types may be imported)' : ''}`)
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
