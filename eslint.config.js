// ESLint flat config: typescript-eslint's recommended rules, formatting left to Prettier, and the layering rules
// (only src/native imports koffi, only src/streams imports rxjs) enforced at lint time.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', '.scratch/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'smart'],
      // io-ts-types' shape: `interface XC extends t.Type<...> {}` names a codec's type for hovers and errors.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
  },
  // Tests and bench handle children's JSON lines and io-ts codecs of any type.
  { files: ['test/**', 'bench/**', 'examples/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // TypeScript resolves names itself; ESLint's no-undef does not know Node's or the DOM's globals.
  { files: ['**/*.ts', '**/*.mts'], rules: { 'no-undef': 'off' } },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/native/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'koffi', message: 'only src/native imports koffi' }] }],
    },
  },
  {
    files: ['src/native/**/*.ts', 'src/layout/**/*.ts', 'src/codecs/**/*.ts', 'src/errors/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'rxjs', message: 'only src/streams imports rxjs' }],
          patterns: [{ group: ['rxjs/*'], message: 'only src/streams imports rxjs' }],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        setImmediate: 'readonly',
        setInterval: 'readonly',
        clearTimeout: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        SharedArrayBuffer: 'readonly',
        Atomics: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
