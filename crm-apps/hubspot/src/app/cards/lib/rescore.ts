/**
 * The optional "rescore now" button: asks the leadscore receiver to rescore this contact.
 *
 * Off unless the config profile sets the variable LEADSCORE_RESCORE_URL (the receiver URL the
 * card may call; it must also be listed in app-hsmeta.json `permittedUrls.fetch`). The call
 * goes through `hubspot.fetch`, which HubSpot signs (X-HubSpot-Signature-v3, the app's client
 * secret), so no secret is ever shipped to the browser.
 */

/** The profile variable that switches the button on. */
export const RESCORE_URL_VARIABLE = 'LEADSCORE_RESCORE_URL';

/** The subset of `hubspot.fetch` the button needs (injected so tests stay offline). */
export type Fetcher = (
  url: string,
  options: { method: 'POST'; body: Record<string, unknown>; timeout?: number },
) => Promise<{ status: number; ok: boolean }>;

export type RescoreOutcome = { ok: true } | { ok: false; detail: string };

/** The configured receiver URL, or null when the button is off (missing, empty or not https). */
export function rescoreUrl(variables: Record<string, unknown> | undefined): string | null {
  const raw = variables?.[RESCORE_URL_VARIABLE];
  if (typeof raw !== 'string') return null;
  const url = raw.trim();
  return /^https:\/\/\S+$/i.test(url) ? url : null;
}

/**
 * POST this contact to the receiver's `/webhooks/hubspot`; 2xx means it was queued. Never throws.
 *
 * The body has a workflow webhook's shape (`objectId`), which that route reads once HubSpot's
 * v3 signature checks out; `requested_at` makes each click a new event, not a duplicate.
 */
export async function requestRescore(
  fetcher: Fetcher,
  url: string,
  contactId: string,
  now: () => number = Date.now,
): Promise<RescoreOutcome> {
  const body = { objectId: contactId, objectTypeId: '0-1', source: 'leadscore-card', requested_at: now() };
  try {
    const response = await fetcher(url, { method: 'POST', body, timeout: 10000 });
    return response.ok ? { ok: true } : { ok: false, detail: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}
