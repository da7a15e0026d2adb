/** Jest: unit specs next to the code, integration, e2e, browser and native-backend tests under test/. SWC strips types; `tsc --noEmit` type-checks. */
const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
}];
const moduleNameMapper = {
  '^@recsys/ml$': '<rootDir>/ml/index.ts',
  '^@recsys/ml-serving$': '<rootDir>/ml/serving/index.ts',
  '^@recsys/training-worker$': '<rootDir>/libs/training/src/worker.ts',
  '^@recsys/(.*)$': '<rootDir>/libs/$1/src/index.ts',
};
const common = { transform: { '^.+\\.ts$': swc }, moduleNameMapper, testEnvironment: 'node' };
module.exports = {
  testTimeout: 180000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,ml,scripts}/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'] },
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'native',
      // the native backend's own tests, and unit specs rerun on it (the setup file selects tensorflow for them)
      testMatch: ['<rootDir>/test/native/**/*.spec.ts', '<rootDir>/ml/model/gradients.spec.ts', '<rootDir>/ml/train/learner.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/native/tensorflow-backend.setup.ts'],
    },
  ],
};
