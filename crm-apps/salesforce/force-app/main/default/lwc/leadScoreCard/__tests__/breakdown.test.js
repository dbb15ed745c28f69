import { parseBreakdown, isCutShort } from '../breakdown';
import { bandTone, fill, formatMoment, signedPoints } from '../format';
import { BREAKDOWN, serialise } from 'leadscore-test/fixtures';

describe('parseBreakdown', () => {
    it('reads a v1 breakdown into the shape the card uses', () => {
        const { status, breakdown } = parseBreakdown(serialise(BREAKDOWN));
        expect(status).toBe('ok');
        expect(breakdown).toMatchObject({
            score: 150,
            band: '高',
            fit: 30,
            engagement: 120,
            followUp: true,
            nextChangeAt: '2026-12-03T15:00:00Z',
            rulesMore: 0,
            truncated: false
        });
        expect(breakdown.rules[1]).toEqual({
            id: 'trade-show-visit',
            label: '展示会来場',
            points: 10,
            kind: 'engagement',
            value: null,
            measure: 1,
            until: '2026-12-03T15:00:00Z',
            evidence: [{ id: 'A-1001', at: '2026-11-03T01:30:00Z' }],
            evidenceMore: 0
        });
    });

    it.each([null, undefined, '', '   \n'])('calls %p empty', (text) => {
        expect(parseBreakdown(text)).toEqual({ status: 'empty' });
    });

    it.each(['hello', '42', '"text"', 'null', '[{"v":1}]', '{"v":1}}'])('calls %p invalid', (text) => {
        expect(parseBreakdown(text)).toEqual({ status: 'invalid' });
    });

    it.each([
        ['{"v":2,"score":1}', '2'],
        ['{"v":"1"}', '1'],
        ['{"score":150}', '?']
    ])('calls %s unsupported (version %s)', (text, version) => {
        expect(parseBreakdown(text)).toEqual({ status: 'unsupported', version });
    });

    it('calls every cut of the serialised text truncated-text, never ok or a crash', () => {
        const full = serialise({ ...BREAKDOWN, rules: [...BREAKDOWN.rules, { label: 'a "quoted\\" label', points: 1 }] });
        for (let length = 1; length < full.length; length += 1) {
            expect([length, parseBreakdown(full.slice(0, length)).status]).toEqual([length, 'truncated-text']);
        }
    });

    it('skips rules it cannot show instead of failing the whole breakdown', () => {
        const text = serialise({ ...BREAKDOWN, rules: [null, { label: 'no points' }, 'x', { id: 'kept', points: 5 }] });
        const { breakdown } = parseBreakdown(text);
        expect(breakdown.rules.map((rule) => [rule.label, rule.points])).toEqual([['kept', 5]]);
    });

    it('treats a missing rules list as no rules', () => {
        expect(parseBreakdown('{"v":1,"score":3}').breakdown.rules).toEqual([]);
    });
});

describe('isCutShort', () => {
    it('is false for text that is not the start of an object', () => {
        expect(isCutShort('[1,2')).toBe(false);
        expect(isCutShort('abc')).toBe(false);
    });
});

describe('format', () => {
    it.each([
        ['高', 'high'],
        ['High', 'high'],
        ['中', 'medium'],
        ['低', 'low'],
        ['A', 'neutral'],
        [null, 'neutral']
    ])('gives band %p the %s tone', (band, tone) => {
        expect(bandTone(band)).toBe(tone);
    });

    it('fills numbered placeholders and leaves unknown ones', () => {
        expect(fill('{0} stops on {1} {2}', 'a', 'b')).toBe('a stops on b {2}');
    });

    it('signs points', () => {
        expect([signedPoints(20, 'en-US'), signedPoints(-5, 'en-US'), signedPoints(0, 'en-US')]).toEqual([
            '+20',
            '-5',
            '0'
        ]);
    });

    it('returns null for a date it cannot read', () => {
        expect(formatMoment('soon', 'en-US', 'UTC')).toBeNull();
        expect(formatMoment(null, 'en-US', 'UTC')).toBeNull();
    });
});
