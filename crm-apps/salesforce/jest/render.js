/** Mounting the card and waiting for LWC to re-render after a wire emits. */
const { createElement } = require('lwc');

function mountCard(LeadScoreCard, { objectApiName = 'Lead', recordId = '00Q000000000001AAA' } = {}) {
    const element = createElement('c-lead-score-card', { is: LeadScoreCard });
    element.objectApiName = objectApiName;
    element.recordId = recordId;
    document.body.appendChild(element);
    return element;
}

function flush() {
    return Promise.resolve().then(() => Promise.resolve());
}

function texts(element, selector) {
    return [...element.shadowRoot.querySelectorAll(selector)].map((node) => node.textContent.trim());
}

function text(element, selector) {
    const node = element.shadowRoot.querySelector(selector);
    return node ? node.textContent.trim() : null;
}

function unmountAll() {
    while (document.body.firstChild) {
        document.body.removeChild(document.body.firstChild);
    }
}

module.exports = { mountCard, flush, texts, text, unmountAll };
