/**
 * The language a test file renders in. Import `useLanguage` and call it before the component
 * is imported (see jest/ja.js); a label missing from the translation fails the test.
 */
const { masterLabels, translatedLabels } = require('./metadata');

const ENGLISH = { lang: 'en_US', locale: 'en-US', timeZone: 'America/Los_Angeles' };
let active = ENGLISH;

function useLanguage(settings) {
    active = { ...ENGLISH, ...settings };
}

function current() {
    return active;
}

function labelValue(name) {
    if (active.lang === 'en_US') {
        return masterLabels()[name];
    }
    const value = translatedLabels(active.lang)[name];
    if (value === undefined) {
        throw new Error(`Custom Label ${name} has no ${active.lang} translation in translations/`);
    }
    return value;
}

module.exports = { useLanguage, current, labelValue };
