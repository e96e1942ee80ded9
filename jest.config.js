// Unit tests (`*.unit.test.ts`, and the older `test/unit/`) need no server. Every other test is an integration
// test: it shares one PostgreSQL and one Temporal dev server started by the global setup (each file gets its own
// database and task queue). Tests live beside their feature: `test/<feature>/`.
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] };

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60_000,
  // Two workers even on two cores (jest's default there is one): the integration tests mostly wait on PostgreSQL,
  // Temporal and the browser, so two at once took the suite from 845 s to 540 s on the 2-core machine, all green.
  maxWorkers: 2,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*.unit.test.ts', '<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.unit\\.test\\.ts$', '<rootDir>/test/unit/'],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
  ],
};
