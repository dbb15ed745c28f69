import { describe, expect, it } from 'vitest';
import { parseBreakdown } from '../src/app/cards/lib/breakdown';
import { SCORED_BREAKDOWN, serialise } from './fixtures';

function ok(raw: string) {
  const result = parseBreakdown(raw);
  if (result.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.breakdown;
}

describe('parseBreakdown', () => {
  it('reads a valid v1 breakdown: totals, rules largest |points| first, evidence and until', () => {
    const breakdown = ok(serialise(SCORED_BREAKDOWN));
    expect(breakdown.score).toBe(150);
    expect(breakdown.band).toBe('高');
    expect(breakdown.fit).toBe(30);
    expect(breakdown.engagement).toBe(120);
    expect(breakdown.followUp).toBe(true);
    expect(breakdown.nextChangeAt).toBe('2026-12-03T15:00:00Z');
    expect(breakdown.rules.map((rule) => rule.id)).toEqual([
      'web-visits',
      'industry-automotive',
      'title-senior',
      'trade-show-visit',
      'free-mail',
    ]);
    const show = breakdown.rules[3];
    expect(show).toMatchObject({
      label: '展示会来場',
      points: 10,
      kind: 'engagement',
      measure: 1,
      until: '2026-12-03T15:00:00Z',
      evidence: [{ id: 'A-1001', at: '2026-11-03T01:30:00Z' }],
      evidenceMore: 0,
    });
    expect(breakdown.rules[1]).toMatchObject({ kind: 'fit', value: '自動車部品製造', until: null, evidence: [] });
    expect(breakdown.truncated).toBe(false);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['empty text', ''],
    ['only whitespace', '  \n '],
  ])('gives "empty" for %s', (_name, raw) => {
    expect(parseBreakdown(raw)).toEqual({ kind: 'empty' });
  });

  it.each([
    ['prose', '展示会来場 +10, 業種 +20'],
    ['a JSON list', '[1,2,3]'],
    ['a JSON string', '"hello"'],
    ['an object without "v"', '{"score":150,"rules":[]}'],
    ['rules that are not a list', '{"v":1,"rules":"industry +20"}'],
  ])('gives "invalid" for %s', (_name, raw) => {
    expect(parseBreakdown(raw).kind).toBe('invalid');
  });

  it.each([
    ['v2', { ...SCORED_BREAKDOWN, v: 2 }, 2],
    ['v0 (older)', { ...SCORED_BREAKDOWN, v: 0 }, 0],
    ['a text version', { ...SCORED_BREAKDOWN, v: '1' }, '1'],
  ])('gives "unsupported-version" for %s', (_name, value, version) => {
    expect(parseBreakdown(serialise(value))).toEqual({ kind: 'unsupported-version', version });
  });

  it('gives "truncated-text" for a breakdown cut mid-text by a shorter field', () => {
    const full = serialise(SCORED_BREAKDOWN);
    for (const length of [1, 40, Math.floor(full.length / 2), full.length - 1]) {
      expect(parseBreakdown(full.slice(0, length))).toEqual({ kind: 'truncated-text' });
    }
  });

  it('gives "truncated-text" for a cut right after a nested object or inside a string', () => {
    const full = serialise(SCORED_BREAKDOWN);
    const afterEvidence = full.indexOf('}', full.indexOf('"evidence"')) + 1;
    expect(full.slice(0, afterEvidence).endsWith('}')).toBe(true);
    expect(parseBreakdown(full.slice(0, afterEvidence))).toEqual({ kind: 'truncated-text' });
    const insideLabel = full.indexOf('展示会') + 2;
    expect(parseBreakdown(full.slice(0, insideLabel))).toEqual({ kind: 'truncated-text' });
  });

  it('calls a closed but broken object "invalid", not cut', () => {
    expect(parseBreakdown('{"v":1 "rules":[]}').kind).toBe('invalid');
  });

  it('ignores keys it does not know, at the top and in rules and evidence', () => {
    const future = {
      ...SCORED_BREAKDOWN,
      explain_url: 'https://example.com/x',
      decay: { half_life_days: 30 },
      rules: [
        {
          ...SCORED_BREAKDOWN.rules[3],
          weight_source: 'ml',
          evidence: [{ id: 'A-1001', at: '2026-11-03T01:30:00Z', channel: 'booth' }],
        },
      ],
    };
    const breakdown = ok(serialise(future));
    expect(breakdown.rules).toHaveLength(1);
    expect(breakdown.rules[0]?.evidence).toEqual([{ id: 'A-1001', at: '2026-11-03T01:30:00Z' }]);
    expect(Object.keys(breakdown)).not.toContain('explain_url');
  });

  it('reports the truncated flag and the counts of dropped rules and evidence', () => {
    const cut = {
      ...SCORED_BREAKDOWN,
      truncated: true,
      rules_more: 3,
      rules: [{ ...SCORED_BREAKDOWN.rules[0], evidence: [], evidence_more: 12 }],
    };
    const breakdown = ok(serialise(cut));
    expect(breakdown.truncated).toBe(true);
    expect(breakdown.rulesMore).toBe(3);
    expect(breakdown.rules[0]?.evidenceMore).toBe(12);
  });

  it('skips rule entries it cannot read and counts them, keeping the readable ones', () => {
    const mixed = {
      ...SCORED_BREAKDOWN,
      rules: [SCORED_BREAKDOWN.rules[1], { label: 'no id', points: 5 }, { id: 'x', label: 'x', points: 'ten' }, 7],
    };
    const breakdown = ok(serialise(mixed));
    expect(breakdown.rules.map((rule) => rule.id)).toEqual(['industry-automotive']);
    expect(breakdown.rulesUnreadable).toBe(3);
  });

  it('accepts nulls where the schema allows them (next_change_at, until, measure)', () => {
    const quiet = {
      ...SCORED_BREAKDOWN,
      next_change_at: null,
      rules: [{ ...SCORED_BREAKDOWN.rules[3], until: null, measure: null }],
    };
    const breakdown = ok(serialise(quiet));
    expect(breakdown.nextChangeAt).toBeNull();
    expect(breakdown.rules[0]).toMatchObject({ until: null, measure: null });
  });

  it('drops dates it cannot read instead of showing them', () => {
    const bad = { ...SCORED_BREAKDOWN, rules: [{ ...SCORED_BREAKDOWN.rules[3], until: 'soon', evidence: [{ id: 'A-1', at: 'yesterday' }] }] };
    const breakdown = ok(serialise(bad));
    expect(breakdown.rules[0]).toMatchObject({ until: null, evidence: [{ id: 'A-1', at: null }] });
  });
});
