import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vfleet from './build/eslint/layer-rule.mjs';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'host-agent/dist/', 'release/', '.vfleet-lab/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Every source type in the tree, all parsed by typescript-eslint's parser (set above for all files).
    files: ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'],
    plugins: { vfleet },
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      'vfleet/layers': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
