import type { RenderedNode } from '@hubspot/ui-extensions/testing';

/** Breakdown fields as the sync writes them (BREAKDOWN-SCHEMA v1), for tests and screenshots. */

/** The pinned example, extended with a second engagement rule and a dropped evidence item. */
export const SCORED_BREAKDOWN = {
  v: 1,
  score: 150,
  band: '高',
  fit: 30,
  engagement: 120,
  follow_up: true,
  rules_hash: 'sha256:5c1e0d2a',
  scored_at: '2026-11-20T09:00:00Z',
  next_change_at: '2026-12-03T15:00:00Z',
  rules: [
    {
      id: 'web-visits',
      label: 'Webサイト訪問',
      points: 110,
      kind: 'engagement',
      measure: 12,
      until: '2026-12-18T15:00:00Z',
      evidence: [
        { id: 'PV-311', at: '2026-11-19T02:10:00Z' },
        { id: 'PV-298', at: '2026-11-12T05:45:00Z' },
      ],
      evidence_more: 10,
    },
    {
      id: 'industry-automotive',
      label: '業種: 自動車',
      points: 20,
      kind: 'fit',
      value: '自動車部品製造',
    },
    { id: 'title-senior', label: '役職: 部長以上', points: 20, kind: 'fit', value: '営業部長' },
    {
      id: 'trade-show-visit',
      label: '展示会来場',
      points: 10,
      kind: 'engagement',
      measure: 1,
      until: '2026-12-03T15:00:00Z',
      evidence: [{ id: 'A-1001', at: '2026-11-03T01:30:00Z' }],
      evidence_more: 0,
    },

    { id: 'free-mail', label: 'フリーメール', points: -10, kind: 'fit', value: 'gmail.com' },
  ],
  rules_more: 0,
  truncated: false,
};

/** The writer's serialisation: compact separators, non-ASCII kept. */
export function serialise(value: unknown): string {
  return JSON.stringify(value);
}

/** Contact properties for a scored contact, as useCrmProperties returns them (strings). */
export function scoredProperties(breakdown: string = serialise(SCORED_BREAKDOWN)): Record<string, string | null> {
  return {
    leadscore_score: '150',
    leadscore_priority: '高',
    leadscore_breakdown: breakdown,
    leadscore_next_change_at: '2026-12-03T15:00:00Z',
    leadscore_scored_at: '2026-11-20T09:00:00Z',
  };
}

/** A contact the sync never touched: every leadscore property empty. */
export const NEVER_SCORED: Record<string, string | null> = {
  leadscore_score: null,
  leadscore_priority: null,
  leadscore_breakdown: null,
  leadscore_next_change_at: null,
  leadscore_scored_at: null,
};

/** Replaces the narrow/no-break spaces ICU puts in dates, so expectations read plainly. */
export function plain(text: string | null | undefined): string {
  return (text ?? '').replace(/[\u202f\u00a0]/g, ' ');
}

/** All text under a rendered node, one line per text node (a node's own `text` skips nested elements). */
export function allText(node: RenderedNode | null | undefined): string {
  if (!node) return '';
  if (node.nodeType === 'text') return plain(node.text);
  return node.childNodes.map((child) => allText(child)).filter((line) => line !== '').join('\n');
}
