/**
 * The card reads what the sync really writes: crm-apps/fixtures/breakdown-demo.json is the demo
 * sync's output for its richest lead, held to the Python writer by
 * tests/connector/sync/test_breakdown_fixture.py.
 */
import { readFileSync } from 'node:fs';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { Alert, TableRow } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { LeadscoreCard } from '../src/app/cards/LeadscoreCard';
import { parseBreakdown } from '../src/app/cards/lib/breakdown';

interface DemoLead {
  lead_id: string;
  score: string;
  priority: string;
  next_change_at: string;
  breakdown: string;
}

const demo = JSON.parse(readFileSync(new URL('../../fixtures/breakdown-demo.json', import.meta.url), 'utf8')) as DemoLead;
const written = JSON.parse(demo.breakdown) as { rules: { id: string }[] };

describe('the breakdown the sync writes', () => {
  it('parses as version 1 with every rule the sync wrote, none unreadable', () => {
    const result = parseBreakdown(demo.breakdown);
    expect(result.kind).toBe('ok');
    if (result.kind !== 'ok') return;
    expect(result.breakdown.score).toBe(Number(demo.score));
    expect(result.breakdown.band).toBe(demo.priority);
    expect(result.breakdown.rules.map((rule) => rule.id)).toEqual(written.rules.map((rule) => rule.id));
    expect(result.breakdown.rulesUnreadable).toBe(0);
  });

  it('renders a row per rule and no "unavailable" notice', () => {
    const renderer = createRenderer('crm.record.tab');
    renderer.mocks.context.user.locale = 'ja-jp';
    renderer.mocks.context.portal.timezone = 'Asia/Tokyo';
    const properties = {
      leadscore_score: demo.score,
      leadscore_priority: demo.priority,
      leadscore_breakdown: demo.breakdown,
      leadscore_next_change_at: demo.next_change_at,
      leadscore_scored_at: null,
    };
    renderer.mocks.useCrmProperties.willCall(() => ({
      properties, error: null, isLoading: false, isRefetching: false, refetch: async () => {},
    }));
    renderer.render(<LeadscoreCard />);
    for (const rule of written.rules) {
      expect(renderer.maybeFindByTestId(TableRow, `rule-${rule.id}`)).not.toBeNull();
    }
    expect(renderer.maybeFindByTestId(Alert, 'breakdown-notice')).toBeNull();
    expect(renderer.findByTestId(Alert, 'next-change')).not.toBeNull();
  });
});
