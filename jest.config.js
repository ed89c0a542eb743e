// Two projects: unit specs live beside the code; integration and end-to-end
// tests under test/ talk to the real Kafka, Redis and OpenSearch from deploy/local.
const moduleNameMapper = {
  '^@embargo/(.*)$': '<rootDir>/libs/$1/index.ts',
};
const transform = { '^.+\\.ts$': ['@swc/jest'] };
module.exports = {
  testTimeout: 60000,
  testSequencer: '<rootDir>/test/sequencer.js',
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'],
      moduleNameMapper,
      transform,
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      moduleNameMapper,
      transform,
      testEnvironment: 'node',
      testTimeout: 60000,
    },
  ],
};
