/** Renders the card from test data to harness/out/*.html (then harness/screenshot.mjs takes PNGs). */

import { mkdirSync, writeFileSync } from 'node:fs';
import React from 'react';
import { it } from 'vitest';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { LeadscoreCard } from '../src/app/cards/LeadscoreCard';
import { NEVER_SCORED, SCORED_BREAKDOWN, scoredProperties, serialise } from '../tests/fixtures';
import { page, toHtml } from './toHtml';

interface Scenario {
  name: string;
  title: string;
  locale: string;
  timeZone: string;
  properties: Record<string, string | null>;
}

const SCENARIOS: Scenario[] = [
  { name: 'hubspot-card-ja', title: 'リードスコア', locale: 'ja-jp', timeZone: 'Asia/Tokyo', properties: scoredProperties() },
  { name: 'hubspot-card-en', title: 'Lead score', locale: 'en-us', timeZone: 'Asia/Tokyo', properties: scoredProperties() },
  {
    name: 'hubspot-card-unavailable-ja',
    title: 'リードスコア',
    locale: 'ja-jp',
    timeZone: 'Asia/Tokyo',
    properties: scoredProperties(serialise({ ...SCORED_BREAKDOWN, v: 2 })),
  },
  { name: 'hubspot-card-empty-ja', title: 'リードスコア', locale: 'ja-jp', timeZone: 'Asia/Tokyo', properties: NEVER_SCORED },
];

it('writes one HTML page per scenario', () => {
  mkdirSync('harness/out', { recursive: true });
  for (const scenario of SCENARIOS) {
    const renderer = createRenderer('crm.record.tab');
    renderer.mocks.context.user.locale = scenario.locale;
    renderer.mocks.context.portal.timezone = scenario.timeZone;
    renderer.mocks.useCrmProperties.willCall(() => ({
      properties: scenario.properties,
      error: null,
      isLoading: false,
      isRefetching: false,
      refetch: async () => {},
    }));
    const root = renderer.render(<LeadscoreCard />);
    const lang = scenario.locale.slice(0, 2);
    writeFileSync(`harness/out/${scenario.name}.html`, page(scenario.title, toHtml(root), lang));
  }
});
