// @ts-check
import { builtinModules } from 'node:module'
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

// Layer rules (docs/architecture.md, "Conventions lint enforces"). tests/lint-probes/ holds one file per rule that
// lint must reject; tests/lint-probes.test.ts lints each as if it sat at its layer path.

/** Every Node builtin by its bare name (`fs`, `path`, `fs/promises`…); `node:*` is a pattern. */
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'))

/** Globals Node has and browsers lack: `process`, `require`, `__dirname`, `Buffer`… */
const nodeOnlyGlobals = Object.keys(globals.node).filter((name) => !(name in globals.browser))

const banBuiltins = (message) => nodeBuiltins.map((name) => ({ name, message }))

const noNodeGlobals = (message) => ['error', ...nodeOnlyGlobals.map((name) => ({ name, message }))]

const SHARED_PURE = 'src/shared is pure: no Node builtins (it runs in the renderer too).'

/** The packages src/shared may import: pure, and as happy in the renderer as in Node. */
const SHARED_PACKAGES = ['zod', 'yaml', 'jsonc-parser', 'diff']

/** src/shared's import allowlist: the named packages and relative files inside src/shared. */
function sharedImports(packages) {
  return {
    paths: banBuiltins(SHARED_PURE),
    patterns: [
      { group: ['node:*'], message: SHARED_PURE },
      {
        regex: `^(?!(${packages.join('|')})(/|$)|\\.\\.?/)`,
        message: `src/shared may import only ${packages.join(', ')} and shared files.`
      },
      {
        group: ['**/main', '**/main/**', '**/renderer', '**/renderer/**'],
        message: 'src/shared never imports main or renderer code.'
      },
      {
        group: ['**/preload', '**/preload/**', '**/tests/**', '**/node_modules/**'],
        message: 'src/shared may import only files inside src/shared.'
      }
    ]
  }
}

const MAIN_NO_ELECTRON = {
  paths: [{ name: 'electron', message: 'Only src/main/shell may import electron.' }],
  patterns: [
    { group: ['electron/*'], message: 'Only src/main/shell may import electron.' },
    { group: ['**/renderer', '**/renderer/**'], message: 'Main never imports renderer code.' }
  ]
}

/** What src/main/core may not import: Electron, and nothing that sits above it. */
const CORE_PATTERNS = [
  ...MAIN_NO_ELECTRON.patterns,
  {
    group: ['**/cli', '**/cli/**', '**/cli.ts', '**/cli.js'],
    message: 'The core never imports the CLI.'
  },
  // `**/shell/**`, not `**/shell`: core/functions/shell.ts is the shell-function runner.
  { group: ['**/shell/**'], message: 'The core never imports src/main/shell.' },
  {
    group: ['**/runtime', '**/runtime.ts', '**/runtime.js'],
    message: 'The core never imports the composition root (runtime.ts).'
  },
  {
    group: ['**/control', '**/control/**', '**/preload', '**/preload/**'],
    message: 'The core never imports the transports or preload.'
  }
]

/**
 * The engine is the inner ring (docs/architecture.md, "Ports"): it imports its own folder,
 * src/shared, node: builtins and core's kernel (errors, cancel, secrets/redact, which import only
 * src/shared), and reaches everything else through the interfaces of engine/ports.ts.
 */
const ENGINE_ONLY = {
  regex: '^(?!\\./|\\.\\./\\.\\./\\.\\./shared/|\\.\\./(errors|cancel|secrets/redact)$|node:)',
  message:
    'core/engine imports only its own folder, src/shared and the kernel (errors, cancel, secrets/redact); declare what it needs in engine/ports.ts.'
}

/** Dynamic import() in core goes through core/lazy.ts, the one documented lazy loader. */
const NO_DYNAMIC_IMPORT = {
  selector: 'ImportExpression',
  message: 'No dynamic import() in src/main/core: load packages on first use through core/lazy.ts.'
}

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'tests/.tmp/**',
      'tests/lint-probes/**',
      '.prof/**',
      'bench-results/**'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }]
    }
  },
  {
    // An allowlist: zod, yaml, jsonc-parser, diff and relative files inside src/shared.
    files: ['src/shared/**/*.ts'],
    ignores: ['src/shared/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', sharedImports(SHARED_PACKAGES)],
      'no-restricted-globals': noNodeGlobals('src/shared is pure: no Node globals.'),
      'no-restricted-syntax': [
        'error',
        { selector: 'ImportExpression', message: 'src/shared imports nothing at run time.' }
      ]
    }
  },
  {
    // Its tests may also import vitest; reading fixtures needs a visible eslint-disable.
    files: ['src/shared/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', sharedImports([...SHARED_PACKAGES, 'vitest'])]
    }
  },
  {
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/shell/**', 'src/main/index.ts'],
    rules: { 'no-restricted-imports': ['error', MAIN_NO_ELECTRON] }
  },
  {
    // The headless core: no Electron, and nothing that sits above it (CLI, shell, composition
    // root). Its tests may reach the runtime's types to build one. Packages that cost start-up
    // time load on first use, through core/lazy.ts only.
    files: ['src/main/core/**/*.ts'],
    ignores: ['src/main/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: MAIN_NO_ELECTRON.paths, patterns: CORE_PATTERNS }
      ],
      'no-restricted-syntax': ['error', NO_DYNAMIC_IMPORT]
    }
  },
  {
    files: ['src/main/core/lazy.ts'],
    rules: { 'no-restricted-syntax': 'off' }
  },
  {
    // The engine: its folder, src/shared and the kernel; the rest through its ports.
    files: ['src/main/core/engine/**/*.ts'],
    ignores: ['src/main/core/engine/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: MAIN_NO_ELECTRON.paths, patterns: [...CORE_PATTERNS, ENGINE_ONLY] }
      ]
    }
  },
  {
    // The HTTP server serves; it reads the store only through what the runtime hands it.
    files: ['src/main/core/server/**/*.ts'],
    ignores: ['src/main/core/server/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: MAIN_NO_ELECTRON.paths,
          patterns: [
            ...CORE_PATTERNS,
            {
              group: ['**/storage', '**/storage/**'],
              message: 'core/server never imports core/storage.'
            }
          ]
        }
      ]
    }
  },
  {
    // The control layer (handlers, IPC and /api adapters) never reaches into the Electron shell.
    files: ['src/main/control/**/*.ts'],
    ignores: ['src/main/control/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: MAIN_NO_ELECTRON.paths,
          patterns: [
            ...MAIN_NO_ELECTRON.patterns,
            {
              regex: '^(\\.\\./)+shell(/|$)',
              message: 'src/main/control never imports src/main/shell.'
            }
          ]
        }
      ]
    }
  },
  {
    // Small rooms: no src/ file over 450 lines and no function over 100, blank lines and
    // comments not counted. Probes: tests/lint-probes/src/main/core/too-many-*.ts.
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/**/*.test.{ts,tsx}'],
    rules: {
      'max-lines': ['error', { max: 450, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true }]
    }
  },
  {
    // Preload: electron, the channel names, and types from the contract; nothing else.
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!electron$|(\\.\\./)+shared/contract/)',
              message: 'Preload imports only electron and src/shared/contract.'
            },
            {
              regex: '(\\.\\./)+shared/contract/(?!channels$)',
              allowTypeImports: true,
              message: 'Preload imports only the channel names at run time; the rest type-only.'
            }
          ]
        }
      ]
    }
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...banBuiltins('The renderer is a browser page: no Node builtins.'),
            { name: 'electron', message: 'The renderer reaches main only through window.api.' }
          ],
          patterns: [
            {
              group: ['node:*'],
              message: 'The renderer is a browser page: no Node builtins.'
            },
            {
              group: ['electron/*', '**/main', '**/main/**'],
              message: 'The renderer reaches main only through window.api.'
            },
            {
              group: ['**/preload', '**/preload/**'],
              allowTypeImports: true,
              message: 'The renderer may import only preload types.'
            }
          ]
        }
      ],
      'no-restricted-globals': noNodeGlobals('The renderer is a browser page: no Node globals.')
    }
  }
)
