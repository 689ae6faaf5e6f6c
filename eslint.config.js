// Lint: typescript-eslint and eslint-plugin-svelte, plus the project's standing rule that the deterministic layers
// (the Raft core, the key/value machine, the simulator and the checkers) never read a clock, draw randomness of
// their own or touch the DOM: time enters through tick(), randomness through the seeded PRNG.
import tseslint from 'typescript-eslint'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'

const clockAndRandomness = [
  { object: 'Math', property: 'random', message: 'Deterministic layer: draw randomness from the injected seeded PRNG.' },
  { object: 'Date', property: 'now', message: 'Deterministic layer: time enters through tick(), not the wall clock.' },
  { object: 'performance', property: 'now', message: 'Deterministic layer: time enters through tick(), not the wall clock.' },
  { object: 'globalThis', property: 'setTimeout', message: 'Deterministic layer: no timers.' },
]
const hostGlobals = ['Date', 'performance', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval',
  'setImmediate', 'queueMicrotask', 'requestAnimationFrame', 'window', 'document', 'navigator', 'localStorage',
  'indexedDB', 'crypto', 'Worker', 'self'].map((name) => ({
  name,
  message: `Deterministic layer: '${name}' is host IO (clock, timer, DOM or platform); pass it in from a shell.`,
}))

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'reports/', 'test-results/', 'playwright-report/', 'dev-dist/', '.tmp*/'] },
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Closures handed to an outside object (an operator view of the simulator) name their owner.
      '@typescript-eslint/no-this-alias': 'off',
      // Local Sets and Maps inside methods are scratch values, not reactive state.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { projectService: true, extraFileExtensions: ['.svelte'], parser: tseslint.parser } },
  },
  {
    files: ['src/raft/**', 'src/kv/**', 'src/sim/**', 'src/check/**', 'src/world/**', 'src/node/**', 'src/scenario/**', 'src/cluster/**'],
    ignores: ['src/sim/fuzz-cli.ts'],
    rules: {
      'no-restricted-properties': ['error', ...clockAndRandomness],
      'no-restricted-globals': ['error', ...hostGlobals],
    },
  },
)
