/** Records as getRecord delivers them, with breakdowns in the pinned v1 format. */

const BREAKDOWN = {
    v: 1,
    score: 150,
    band: '高',
    fit: 30,
    engagement: 120,
    follow_up: true,
    rules_hash: 'sha256:0f1e2d',
    scored_at: '2026-11-20T09:00:00Z',
    next_change_at: '2026-12-03T15:00:00Z',
    rules: [
        {
            id: 'industry-automotive',
            label: '業種: 自動車',
            points: 20,
            kind: 'fit',
            value: '自動車部品製造'
        },
        {
            id: 'trade-show-visit',
            label: '展示会来場',
            points: 10,
            kind: 'engagement',
            measure: 1,
            until: '2026-12-03T15:00:00Z',
            evidence: [{ id: 'A-1001', at: '2026-11-03T01:30:00Z' }],
            evidence_more: 0
        }
    ],
    rules_more: 0,
    truncated: false
};

/** The sync's serialisation: compact, non-ASCII kept. */
function serialise(breakdown) {
    return JSON.stringify(breakdown);
}

/** A getRecord answer for a Lead (or Contact) with the given leadscore field values. */
function record(values, apiName = 'Lead') {
    const fields = {};
    for (const [name, value] of Object.entries(values)) {
        fields[name] = { value, displayValue: null };
    }
    return { apiName, id: '00Q000000000001AAA', fields };
}

function scoredRecord(overrides = {}) {
    return record({
        LeadScore__c: 150,
        LeadPriority__c: '高',
        LeadScoreReasons__c: '業種: 自動車 +20; 展示会来場 +10',
        LeadScoredAt__c: '2026-11-20T09:00:00.000Z',
        LeadScoreBreakdown__c: serialise(BREAKDOWN),
        LeadScoreNextChangeAt__c: '2026-12-03T15:00:00.000Z',
        ...overrides
    });
}

function neverScoredRecord() {
    return record({
        LeadScore__c: null,
        LeadPriority__c: null,
        LeadScoreReasons__c: null,
        LeadScoredAt__c: null,
        LeadScoreBreakdown__c: null,
        LeadScoreNextChangeAt__c: null
    });
}

module.exports = { BREAKDOWN, serialise, record, scoredRecord, neverScoredRecord };
