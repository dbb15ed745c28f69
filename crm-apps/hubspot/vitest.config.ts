import { defineConfig } from 'vitest/config';

// Offline unit tests: the ui-extensions testing renderer runs in plain Node, no DOM, no network.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.{ts,tsx}'],
    environment: 'node',
  },
});
