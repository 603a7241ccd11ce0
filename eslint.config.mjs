// Lint rules for the whole repo, and the layering they enforce (eslint-rules/layering.mjs
// has each folder's allow-list): shared is pure TypeScript, core and cli are Node without
// Electron and core imports none of its front ends (main, renderer, cli), main imports
// neither the renderer nor the CLI, the renderer is DOM only, and the sandboxed preload can
// load nothing but electron and the few modules Electron gives it.

import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import { layeringPlugin } from './eslint-rules/layering.mjs'

const root = dirname(fileURLToPath(import.meta.url))

export default defineConfig(
  {
    ignores: ['out/**', 'dist/**', 'node_modules/**', 'bench/results/**', 'coverage/**', '**/*.tsbuildinfo', '*.config.ts.*.mjs']
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
    // Who may import whom: an allow-list per folder of src/, in eslint-rules/layering.mjs.
    files: ['src/**/*.ts', 'src/**/*.mts', 'src/**/*.vue', 'src/**/*.js', 'src/**/*.mjs'],
    plugins: { layering: layeringPlugin(root) },
    rules: { 'layering/imports': 'error' }
  },

  {
    // The contract runs in Node, in the page and in the preload: it may not lean on what only one of them has.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global', 'setImmediate', 'clearImmediate'].map((name) => ({
          name,
          message: `src/shared is pure TypeScript for every runtime; '${name}' is Node's, and belongs in core.`
        })),
        ...['window', 'document', 'navigator', 'location', 'localStorage', 'sessionStorage', 'HTMLElement', 'requestAnimationFrame'].map((name) => ({
          name,
          message: `src/shared is pure TypeScript for every runtime; '${name}' is the DOM's, and belongs in the renderer.`
        }))
      ]
    }
  },

  {
    // The decoders work over Uint8Array so they run in any thread or runtime (their imports: layering.mjs).
    files: ['src/core/protocols/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global', 'setImmediate', 'clearImmediate'].map((name) => ({
          name,
          message: `src/core/protocols decode Uint8Array in any runtime; '${name}' is Node's, and belongs in the engine around them.`
        }))
      ]
    }
  }
)
