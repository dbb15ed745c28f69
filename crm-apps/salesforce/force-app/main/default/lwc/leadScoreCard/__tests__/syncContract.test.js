// The card reads what the sync really writes: crm-apps/fixtures/breakdown-demo.json is the demo
// sync's output for its richest lead, held to the Python writer by
// tests/connector/sync/test_breakdown_fixture.py.
import 'leadscore-test/ja';
import { readFileSync } from 'fs';
import { join } from 'path';
import { getRecord } from 'lightning/uiRecordApi';
import LeadScoreCard from 'c/leadScoreCard';
import { parseBreakdown } from '../breakdown';
import { record } from 'leadscore-test/fixtures';
import { mountCard, flush, texts, unmountAll } from 'leadscore-test/render';

const demo = JSON.parse(readFileSync(join(__dirname, '../../../../../../../fixtures/breakdown-demo.json'), 'utf8'));
const written = JSON.parse(demo.breakdown);

afterEach(unmountAll);

it('parses the written breakdown as version 1 with every rule', () => {
    const parsed = parseBreakdown(demo.breakdown);
    expect(parsed.status).toBe('ok');
    expect(parsed.breakdown.score).toBe(Number(demo.score));
    expect(parsed.breakdown.rules.map((rule) => rule.label)).toEqual(written.rules.map((rule) => rule.label));
});

it('renders a rule per written rule and no notice', async () => {
    const card = mountCard(LeadScoreCard);
    getRecord.emit(
        record({
            LeadScore__c: Number(demo.score),
            LeadPriority__c: demo.priority,
            LeadScoreReasons__c: null,
            LeadScoredAt__c: null,
            LeadScoreBreakdown__c: demo.breakdown,
            LeadScoreNextChangeAt__c: demo.next_change_at
        })
    );
    await flush();
    expect(texts(card, '.rule-label')).toEqual(written.rules.map((rule) => rule.label));
    expect(card.shadowRoot.querySelector('.notice-title')).toBeNull();
});
