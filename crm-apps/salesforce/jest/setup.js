/**
 * Maps `@salesforce/label/c.*` and `@salesforce/i18n/*` to the shipped labels in the language a
 * test file picked by importing jest/language.js first (English, en-US, America/Los_Angeles
 * otherwise). Values are read when the component is first imported, as in an org.
 */
const { masterLabels } = require('./metadata');

for (const mockName of Object.keys(masterLabels())) {
    jest.mock(
        `@salesforce/label/c.${mockName}`,
        () => ({ __esModule: true, default: require('./language').labelValue(mockName) }),
        { virtual: true }
    );
}

for (const mockSetting of ['lang', 'locale', 'timeZone']) {
    jest.mock(
        `@salesforce/i18n/${mockSetting}`,
        () => ({ __esModule: true, default: require('./language').current()[mockSetting] }),
        { virtual: true }
    );
}
