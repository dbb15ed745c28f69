/**
 * Reads the Custom Labels and their Japanese translation from the SFDX source, so the tests
 * render exactly what an org shows (and fail when a label lacks its translation).
 */
const fs = require('fs');
const path = require('path');

const SOURCE = path.join(__dirname, '..', 'force-app', 'main', 'default');
const LABELS_FILE = path.join(SOURCE, 'labels', 'CustomLabels.labels-meta.xml');
const TRANSLATION_FILE = (lang) => path.join(SOURCE, 'translations', `${lang}.translation-meta.xml`);

function decode(text) {
    return text
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&');
}

function elements(xml, tag) {
    return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]);
}

function child(block, tag) {
    const found = elements(block, tag);
    return found.length ? decode(found[0]) : undefined;
}

/** The master (English) value of every Custom Label, by name. */
function masterLabels() {
    const xml = fs.readFileSync(LABELS_FILE, 'utf8');
    return Object.fromEntries(elements(xml, 'labels').map((b) => [child(b, 'fullName'), child(b, 'value')]));
}

/** The translated value of every Custom Label in a language (`ja`), by name. */
function translatedLabels(lang) {
    const xml = fs.readFileSync(TRANSLATION_FILE(lang), 'utf8');
    return Object.fromEntries(elements(xml, 'customLabels').map((b) => [child(b, 'name'), child(b, 'label')]));
}

module.exports = { masterLabels, translatedLabels };
