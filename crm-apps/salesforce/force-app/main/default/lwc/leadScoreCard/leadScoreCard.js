import { LightningElement, api, wire } from 'lwc';
import { getRecord } from 'lightning/uiRecordApi';
import LOCALE from '@salesforce/i18n/locale';
import TIME_ZONE from '@salesforce/i18n/timeZone';
import { LABELS } from './labels';
import { buildView } from './view';
import { fill } from './format';

// The card fails loudly without these: no access to them means the permission set is missing.
const REQUIRED_FIELDS = { score: 'LeadScore__c', band: 'LeadPriority__c' };
// Optional so that an org without the newer fields (or a rep without access) still sees the score.
const OPTIONAL_FIELDS = {
    reasons: 'LeadScoreReasons__c',
    scoredAt: 'LeadScoredAt__c',
    breakdown: 'LeadScoreBreakdown__c',
    nextChangeAt: 'LeadScoreNextChangeAt__c'
};

/** The leadscore card on a Lead or Contact record page: score, band and why. */
export default class LeadScoreCard extends LightningElement {
    @api recordId;
    @api objectApiName;

    labels = LABELS;
    view = { state: 'loading', isLoading: true };

    get requiredFields() {
        return qualified(this.objectApiName, REQUIRED_FIELDS);
    }

    get optionalFields() {
        return qualified(this.objectApiName, OPTIONAL_FIELDS);
    }

    @wire(getRecord, {
        recordId: '$recordId',
        fields: '$requiredFields',
        optionalFields: '$optionalFields'
    })
    wiredRecord({ data, error }) {
        if (data) {
            this.view = buildView(readFields(data), { labels: LABELS, locale: LOCALE, timeZone: TIME_ZONE });
        } else if (error) {
            this.view = { state: 'error', isError: true, message: fill(LABELS.loadError, errorText(error)) };
        }
    }
}

function qualified(objectApiName, fields) {
    return objectApiName ? Object.values(fields).map((name) => `${objectApiName}.${name}`) : undefined;
}

function readFields(record) {
    const names = { ...REQUIRED_FIELDS, ...OPTIONAL_FIELDS };
    const values = {};
    for (const [key, name] of Object.entries(names)) {
        const value = record?.fields?.[name]?.value;
        values[key] = value === undefined || value === '' ? null : value;
    }
    return values;
}

/** The message of a UI API error (one object, a list, or a plain Error). */
function errorText(error) {
    const errors = Array.isArray(error) ? error : [error];
    const messages = errors
        .map((e) => (Array.isArray(e?.body) ? e.body.map((b) => b.message).join(', ') : e?.body?.message || e?.message))
        .filter(Boolean);
    return messages.length ? messages.join('; ') : String(error?.statusText || error?.status || 'unknown error');
}
