// Lint rules for the whole repo, and the layering they enforce: shared is pure TypeScript,
// core and cli are Node without Electron and core imports none of its front ends (main,
// renderer, cli), main imports neither the renderer nor the CLI, the renderer is DOM only,
// and the sandboxed preload can load nothing but electron and the few modules Electron
// gives it.

import { builtinModules } from 'node:module'
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'

const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'))

/** no-restricted-imports options: these bare names, anything `node:`, and these regexes. */
function restrict({ names = [], message, nodeMessage, regexes = [] }) {
  return {
    paths: names.map((name) => ({ name, message: message(name) })),
    patterns: [
      ...(nodeMessage ? [{ regex: '^node:', message: nodeMessage }] : []),
      ...regexes.map(([regex, message]) => ({ regex, message }))
    ]
  }
}

/** Relative imports that climb into one of these top-level source folders. */
const into = (...folders) => `^(\\.\\./)+(src/)?(${folders.join('|')})(/|$)`

export default defineConfig(
  {
    ignores: ['out/**', 'dist/**', 'node_modules/**', 'bench/results/**', 'coverage/**', '**/*.tsbuildinfo']
  },

  tseslint.configs.recommended,
  pluginVue.configs['flat/recommended'],

  {
    files: ['**/*.vue'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' }
    }
  },

  {
    rules: {
      // `any` is worth a look, not a failed build; handler arguments are typed by the contract.
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'vue/no-v-html': 'error',
      // The root component is App, as in every Vue template.
      'vue/multi-word-component-names': ['error', { ignores: ['App'] }]
    }
  },

  {
    // Plain CommonJS entry points (bin/) load with require().
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },

  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        restrict({
          names: ['electron', ...nodeBuiltins],
          message: (name) => `src/shared is pure TypeScript for every runtime; '${name}' belongs in core (Node) or main (Electron).`,
          nodeMessage: 'src/shared is pure TypeScript for every runtime; Node modules belong in core.',
          regexes: [[into('core', 'main', 'renderer', 'preload', 'cli'), 'src/shared imports only src/shared; the others depend on it, not the reverse.']]
        })
      ]
    }
  },

  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': [
        'error',
        restrict({
          names: ['electron', ...nodeBuiltins],
          message: (name) => `The renderer is a web page: '${name}' is not there. Go through the transport.`,
          nodeMessage: 'The renderer is a web page: Node modules are not there. Go through the transport.',
          regexes: [[into('core', 'main'), 'The renderer reaches the engine only through the transport (src/renderer/src/transport.ts).']]
        })
      ]
    }
  },

  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        restrict({
          // A sandboxed preload may require only electron, events, timers and url.
          names: nodeBuiltins.filter((name) => !['events', 'timers', 'url'].includes(name)),
          message: (name) => `The preload is sandboxed: '${name}' cannot be loaded there.`,
          nodeMessage: 'The preload is sandboxed: Node modules cannot be loaded there.',
          regexes: [[into('core', 'renderer', 'cli'), 'The preload only relays the contract; it holds no engine or UI code.']]
        })
      ]
    }
  },

  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        restrict({
          names: ['electron'],
          message: () => 'The engine runs in plain Node; only src/main may use Electron.',
          regexes: [[into('main', 'renderer', 'preload', 'cli'), 'The engine knows none of its front ends (the Electron shell, the UI, the CLI); they depend on it.']]
        })
      ]
    }
  },

  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        restrict({
          names: ['electron'],
          message: () => 'The CLI runs in plain Node; only src/main may use Electron.',
          regexes: [[into('main', 'renderer', 'preload'), 'The CLI knows nothing of the Electron shell or the UI.']]
        })
      ]
    }
  },

  {
    // The Electron shell may use electron and Node; it is one front end of the engine, like the CLI.
    files: ['src/main/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        restrict({
          regexes: [[into('renderer', 'cli'), 'src/main reaches the page only through IPC, and shares no code with the CLI; common code goes in core or shared.']]
        })
      ]
    }
  }
)
