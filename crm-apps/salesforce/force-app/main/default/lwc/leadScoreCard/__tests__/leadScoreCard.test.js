import { getRecord } from 'lightning/uiRecordApi';
import LeadScoreCard from 'c/leadScoreCard';
import { BREAKDOWN, serialise, scoredRecord, neverScoredRecord } from 'leadscore-test/fixtures';
import { mountCard, flush, text, texts, unmountAll } from 'leadscore-test/render';

// English user in America/Los_Angeles (jest/language.js default): 2026-12-03T15:00Z is 7:00 AM on Dec 3.

async function renderWith(record, options) {
    const element = mountCard(LeadScoreCard, options);
    getRecord.emit(record);
    await flush();
    return element;
}

afterEach(unmountAll);

describe('a record that was never scored', () => {
    it('shows the empty state, not a score', async () => {
        const card = await renderWith(neverScoredRecord());
        expect(text(card, '.empty-title')).toBe('Not scored yet');
        expect(text(card, '.empty-hint')).toContain('next sync');
        expect(card.shadowRoot.querySelector('.score')).toBeNull();
    });
});

describe('a scored record with a breakdown', () => {
    it('shows the score, the band and the follow-up badge at a glance', async () => {
        const card = await renderWith(scoredRecord());
        expect(text(card, '.score')).toBe('150');
        expect(text(card, '.band')).toBe('高');
        expect(card.shadowRoot.querySelector('.band').className).toContain('band_high');
        expect(text(card, '.follow-up')).toBe('Follow up now');
        expect(text(card, '.subtotals')).toBe('Fit 30 · Engagement 120');
    });

    it('lists each rule with its points, what matched, the activities behind it and until when', async () => {
        const card = await renderWith(scoredRecord());
        expect(texts(card, '.rule-label')).toEqual(['業種: 自動車', '展示会来場']);
        expect(texts(card, '.points')).toEqual(['+20', '+10']);
        const [fit, visit] = card.shadowRoot.querySelectorAll('.rule');
        expect(fit.querySelector('.rule-detail').textContent).toBe('Matched: 自動車部品製造');
        expect(fit.querySelectorAll('.evidence-item')).toHaveLength(0);
        expect(visit.querySelector('.rule-detail').textContent).toBe('Measured: 1');
        expect(visit.querySelector('.rule-until').textContent).toBe('Counts until Dec 3, 2026, 7:00 AM');
        // 01:30 UTC on Nov 3 is still Nov 2 in Los Angeles
        expect(visit.querySelector('.evidence-date').textContent).toBe('Nov 2, 2026');
        expect(visit.querySelector('.evidence-id').textContent).toBe('A-1001');
    });

    it('says which rule stops counting when the score next changes', async () => {
        const card = await renderWith(scoredRecord());
        expect(text(card, '.next-change')).toBe('展示会来場 stops counting on Dec 3, 2026, 7:00 AM');
        expect(text(card, '.scored-at')).toBe('Scored Nov 20, 2026, 1:00 AM');
    });

    it('gives the bare date when no rule expires then, and nothing when the score is stable', async () => {
        const later = await renderWith(scoredRecord({ LeadScoreNextChangeAt__c: '2026-12-10T08:00:00.000Z' }));
        expect(text(later, '.next-change')).toBe('The score next changes on Dec 10, 2026');
        unmountAll();
        const stable = { ...BREAKDOWN, next_change_at: null };
        const card = await renderWith(
            scoredRecord({ LeadScoreNextChangeAt__c: null, LeadScoreBreakdown__c: serialise(stable) })
        );
        expect(card.shadowRoot.querySelector('.next-change')).toBeNull();
    });

    it.each([
        ['高', 'band_high'],
        ['中', 'band_medium'],
        ['低', 'band_low'],
        ['Hot', 'band_neutral']
    ])('colours band %s with %s', async (band, cssClass) => {
        const card = await renderWith(scoredRecord({ LeadPriority__c: band }));
        expect(card.shadowRoot.querySelector('.band').className).toBe(`band ${cssClass}`);
    });

    it('says what was left out when the writer shortened the breakdown', async () => {
        const visit = { ...BREAKDOWN.rules[1], evidence_more: 3 };
        const shortened = { ...BREAKDOWN, rules: [BREAKDOWN.rules[0], visit], rules_more: 2, truncated: true };
        const card = await renderWith(scoredRecord({ LeadScoreBreakdown__c: serialise(shortened) }));
        expect(text(card, '.evidence-more')).toBe('and 3 earlier activities');
        expect(text(card, '.rules-more')).toBe('2 smaller rules not shown');
        expect(text(card, '.shortened')).toBe('Some details were left out to fit the field.');
    });

    it('links evidence that is a record of this org', async () => {
        const visit = { ...BREAKDOWN.rules[1], evidence: [{ id: '00T5g00000AbCdEFGH', at: '2026-11-03T01:30:00Z' }] };
        const breakdown = { ...BREAKDOWN, rules: [visit] };
        const card = await renderWith(scoredRecord({ LeadScoreBreakdown__c: serialise(breakdown) }));
        const link = card.shadowRoot.querySelector('a.evidence-id');
        expect(link.getAttribute('href')).toBe('/lightning/r/00T5g00000AbCdEFGH/view');
    });

    it('renders a v1 breakdown with keys it does not know', async () => {
        const future = { ...BREAKDOWN, model: 'x', rules: [{ ...BREAKDOWN.rules[0], weight: 2 }] };
        const card = await renderWith(scoredRecord({ LeadScoreBreakdown__c: serialise(future) }));
        expect(texts(card, '.rule-label')).toEqual(['業種: 自動車']);
        expect(card.shadowRoot.querySelector('.notice')).toBeNull();
    });
});

describe('a breakdown the card cannot show', () => {
    const full = serialise(BREAKDOWN);

    it.each([
        ['invalid JSON', 'not json {', 'The breakdown field holds text this card cannot read.'],
        ['JSON that is not an object', '[1,2,3]', 'The breakdown field holds text this card cannot read.'],
        ['a newer format version', serialise({ ...BREAKDOWN, v: 2 }), 'format version 2'],
        ['text cut by a shorter field', full.slice(0, 255), 'cut short'],
        ['text cut inside a string', full.slice(0, full.indexOf('展示会') + 2), 'cut short'],
        ['no breakdown yet', null, 'no breakdown yet']
    ])('%s: plain score, band, reasons and a short notice', async (_case, breakdown, reason) => {
        const card = await renderWith(scoredRecord({ LeadScoreBreakdown__c: breakdown }));
        expect(text(card, '.score')).toBe('150');
        expect(text(card, '.band')).toBe('高');
        expect(text(card, '.notice-title')).toBe('Breakdown unavailable');
        expect(text(card, '.notice-detail')).toContain(reason);
        expect(text(card, '.reasons')).toBe('業種: 自動車 +20; 展示会来場 +10');
        expect(card.shadowRoot.querySelector('.rule')).toBeNull();
    });

    it('still shows when the score next changes, from its own field', async () => {
        const card = await renderWith(scoredRecord({ LeadScoreBreakdown__c: '{"v":1,"sco' }));
        expect(text(card, '.next-change')).toBe('The score next changes on Dec 3, 2026, 7:00 AM');
    });
});

describe('loading the record', () => {
    it('asks for the score fields of the page object, the newer ones optionally', async () => {
        mountCard(LeadScoreCard, { objectApiName: 'Contact', recordId: '003000000000001AAA' });
        await flush();
        const config = getRecord.getLastConfig();
        expect(config.recordId).toBe('003000000000001AAA');
        expect(config.fields).toEqual(['Contact.LeadScore__c', 'Contact.LeadPriority__c']);
        expect(config.optionalFields).toEqual([
            'Contact.LeadScoreReasons__c',
            'Contact.LeadScoredAt__c',
            'Contact.LeadScoreBreakdown__c',
            'Contact.LeadScoreNextChangeAt__c'
        ]);
    });

    it('shows a spinner until the record arrives', async () => {
        const card = mountCard(LeadScoreCard);
        await flush();
        expect(card.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
    });

    it('shows the error instead of crashing when getRecord fails', async () => {
        const card = mountCard(LeadScoreCard);
        getRecord.error({ message: "No such column 'LeadScore__c' on entity 'Lead'." }, 400, 'Bad Request');
        await flush();
        expect(text(card, '.load-error')).toBe(
            "The score could not be loaded: No such column 'LeadScore__c' on entity 'Lead'."
        );
        expect(card.shadowRoot.querySelector('.score')).toBeNull();
    });
});
