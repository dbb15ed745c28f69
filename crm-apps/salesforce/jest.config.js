const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
    ...jestConfig,
    // Custom Labels and @salesforce/i18n come from the shipped metadata, in the test's language.
    setupFiles: [...(jestConfig.setupFiles || []), '<rootDir>/jest/setup.js'],
    moduleNameMapper: { '^leadscore-test/(.*)$': '<rootDir>/jest/$1' },
    testPathIgnorePatterns: [...jestConfig.testPathIgnorePatterns, '<rootDir>/.sf/', '<rootDir>/.sfdx/']
};
