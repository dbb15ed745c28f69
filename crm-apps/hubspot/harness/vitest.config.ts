import { defineConfig } from 'vitest/config';

// The screenshot harness: renders the card from test data to HTML files (not part of `npm test`).
export default defineConfig({
  test: {
    root: '.',
    include: ['harness/**/*.harness.tsx'],
    environment: 'node',
  },
});
