import React from 'react';
import { describe, expect, it, vi } from 'vitest';
import { Button, Text } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { LeadscoreCard } from '../src/app/cards/LeadscoreCard';
import type { Fetcher } from '../src/app/cards/lib/rescore';
import { rescoreUrl } from '../src/app/cards/lib/rescore';
import { NEVER_SCORED, scoredProperties } from './fixtures';

const RECEIVER = 'https://leadscore.example.com/webhooks/hubspot';

function renderCard(fetcher: Fetcher, variables?: Record<string, string>, properties = scoredProperties()) {
  const renderer = createRenderer('crm.record.tab');
  renderer.mocks.context.user.locale = 'en-us';
  renderer.mocks.context.crm.objectId = 4711;
  if (variables !== undefined) renderer.mocks.context.variables = variables;
  renderer.mocks.useCrmProperties.willCall(() => ({
    properties,
    error: null,
    isLoading: false,
    isRefetching: false,
    refetch: async () => {},
  }));
  renderer.render(<LeadscoreCard fetcher={fetcher} />);
  return renderer;
}

describe('rescore now (behind config)', () => {
  it('is off without the LEADSCORE_RESCORE_URL profile variable', () => {
    const renderer = renderCard(vi.fn());
    expect(renderer.maybeFindByTestId(Button, 'rescore')).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['plain http', 'http://leadscore.example.com/x'],
    ['not a URL', 'leadscore'],
  ])('stays off for a %s URL', (_name, url) => {
    expect(rescoreUrl({ LEADSCORE_RESCORE_URL: url })).toBeNull();
  });

  it('POSTs this contact as a workflow-shaped object through the fetcher and says it was queued', async () => {
    const fetcher = vi.fn<Fetcher>().mockResolvedValue({ status: 202, ok: true });
    const renderer = renderCard(fetcher, { LEADSCORE_RESCORE_URL: RECEIVER });
    renderer.findByTestId(Button, 'rescore').trigger('onClick');
    await renderer.waitFor(() => {
      expect(renderer.findByTestId(Text, 'rescore-result').text).toBe('Rescore requested. Reload the page in a few seconds.');
    });
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect(fetcher.mock.calls[0]?.[0]).toBe(RECEIVER);
    expect(fetcher.mock.calls[0]?.[1]).toMatchObject({ method: 'POST', body: { objectId: '4711', objectTypeId: '0-1', source: 'leadscore-card' } });
    expect(typeof (fetcher.mock.calls[0]?.[1].body as Record<string, unknown>).requested_at).toBe('number');
  });

  it('shows the refusal when the receiver answers with an error', async () => {
    const fetcher = vi.fn<Fetcher>().mockResolvedValue({ status: 401, ok: false });
    const renderer = renderCard(fetcher, { LEADSCORE_RESCORE_URL: RECEIVER });
    renderer.findByTestId(Button, 'rescore').trigger('onClick');
    await renderer.waitFor(() => {
      expect(renderer.findByTestId(Text, 'rescore-result').text).toBe('The rescore could not be requested (HTTP 401).');
    });
  });

  it('shows the failure when the call itself fails (timeout, not permitted)', async () => {
    const fetcher = vi.fn<Fetcher>().mockRejectedValue(new Error('timeout'));
    const renderer = renderCard(fetcher, { LEADSCORE_RESCORE_URL: RECEIVER });
    renderer.findByTestId(Button, 'rescore').trigger('onClick');
    await renderer.waitFor(() => {
      expect(renderer.findByTestId(Text, 'rescore-result').text).toBe('The rescore could not be requested (timeout).');
    });
  });

  it('is offered on a never-scored contact too', () => {
    const renderer = renderCard(vi.fn(), { LEADSCORE_RESCORE_URL: RECEIVER }, NEVER_SCORED);
    expect(renderer.findByTestId(Button, 'rescore').text).toBe('Rescore now');
  });
});
