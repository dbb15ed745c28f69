/**
 * Parser for the `leadscore_breakdown` contact property (schema version 1).
 *
 * The sync writes one compact JSON object; this module turns the raw property text into a
 * typed result the card can render. It never throws: a field that is empty, not JSON, a
 * newer or older version, or cut short by a shorter field length gives a result kind the
 * card shows as "plain score + a short notice".
 */

/** The only schema version this card understands. */
export const SUPPORTED_VERSION = 1;

/** One activity behind an engagement rule. */
export interface Evidence {
  id: string;
  /** UTC instant, ISO 8601; null when the writer gave none or it was not a valid date. */
  at: string | null;
}

/** One rule's contribution to the score. */
export interface RuleContribution {
  id: string;
  label: string;
  points: number;
  /** "fit", "engagement" or a kind added by a later writer (shown as is). */
  kind: string;
  /** Fit rules: the attribute value that matched. */
  value: string | null;
  /** Engagement rules: the count or sum the rule measured. */
  measure: number | null;
  /** When the rule's points stop counting unless renewed. */
  until: string | null;
  evidence: Evidence[];
  /** Evidence items the writer dropped to fit the field. */
  evidenceMore: number;
}

/** A parsed version-1 breakdown (unknown keys dropped). */
export interface Breakdown {
  version: 1;
  score: number | null;
  band: string | null;
  fit: number | null;
  engagement: number | null;
  followUp: boolean | null;
  rulesHash: string | null;
  scoredAt: string | null;
  nextChangeAt: string | null;
  rules: RuleContribution[];
  /** Rules the writer dropped to fit the field. */
  rulesMore: number;
  /** Rule entries this card could not read (missing id/label/points); not shown. */
  rulesUnreadable: number;
  /** The writer shortened the breakdown to fit the field. */
  truncated: boolean;
}

/** What parsing a breakdown property gave. */
export type BreakdownResult =
  | { kind: 'ok'; breakdown: Breakdown }
  | { kind: 'empty' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'unsupported-version'; version: unknown }
  | { kind: 'truncated-text' };

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function asCount(value: unknown): number {
  const n = asNumber(value);
  return n !== null && n > 0 ? Math.floor(n) : 0;
}

/** An ISO instant the card can format, or null (bad dates are dropped, not shown raw). */
function asInstant(value: unknown): string | null {
  const text = asString(value);
  return text !== null && !Number.isNaN(Date.parse(text)) ? text : null;
}

function parseEvidence(value: unknown): Evidence[] {
  if (!Array.isArray(value)) return [];
  const items: Evidence[] = [];
  for (const item of value) {
    if (!isObject(item)) continue;
    const id = asString(item.id) ?? (typeof item.id === 'number' ? String(item.id) : null);
    const at = asInstant(item.at);
    if (id === null && at === null) continue;
    items.push({ id: id ?? '', at });
  }
  return items;
}

function parseRule(value: unknown): RuleContribution | null {
  if (!isObject(value)) return null;
  const id = asString(value.id);
  const label = asString(value.label) ?? id;
  const points = asNumber(value.points);
  if (id === null || label === null || points === null) return null;
  const rawValue = value.value;
  return {
    id,
    label,
    points,
    kind: asString(value.kind) ?? 'fit',
    value:
      typeof rawValue === 'string' || typeof rawValue === 'number' || typeof rawValue === 'boolean'
        ? String(rawValue)
        : null,
    measure: asNumber(value.measure),
    until: asInstant(value.until),
    evidence: parseEvidence(value.evidence),
    evidenceMore: asCount(value.evidence_more),
  };
}

/** Largest |points| first, as the writer orders them; re-sorted in case an admin edited the field. */
function byWeight(a: RuleContribution, b: RuleContribution): number {
  return Math.abs(b.points) - Math.abs(a.points);
}

function parseVersion1(data: JsonObject): BreakdownResult {
  if (!Array.isArray(data.rules)) {
    return { kind: 'invalid', reason: 'rules is not a list' };
  }
  const rules: RuleContribution[] = [];
  let unreadable = 0;
  for (const item of data.rules) {
    const rule = parseRule(item);
    if (rule === null) unreadable += 1;
    else rules.push(rule);
  }
  rules.sort(byWeight);
  const followUp = typeof data.follow_up === 'boolean' ? data.follow_up : null;
  return {
    kind: 'ok',
    breakdown: {
      version: 1,
      score: asNumber(data.score),
      band: asString(data.band),
      fit: asNumber(data.fit),
      engagement: asNumber(data.engagement),
      followUp,
      rulesHash: asString(data.rules_hash),
      scoredAt: asInstant(data.scored_at),
      nextChangeAt: asInstant(data.next_change_at),
      rules,
      rulesMore: asCount(data.rules_more),
      rulesUnreadable: unreadable,
      truncated: data.truncated === true,
    },
  };
}

/**
 * Text that opens a JSON object and never closes it: cut by a shorter field. Brackets are
 * counted outside strings, so a cut just after a nested `}` is still recognised.
 */
function looksCutShort(text: string): boolean {
  if (!text.startsWith('{')) return false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (const char of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') depth -= 1;
  }
  return inString || depth > 0;
}

/** Parse the raw `leadscore_breakdown` property value. Never throws. */
export function parseBreakdown(raw: string | null | undefined): BreakdownResult {
  const text = (raw ?? '').trim();
  if (text === '') return { kind: 'empty' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return looksCutShort(text) ? { kind: 'truncated-text' } : { kind: 'invalid', reason: 'not JSON' };
  }
  if (!isObject(data)) return { kind: 'invalid', reason: 'not a JSON object' };
  if (!('v' in data)) return { kind: 'invalid', reason: 'no version ("v")' };
  if (data.v !== SUPPORTED_VERSION) return { kind: 'unsupported-version', version: data.v };
  return parseVersion1(data);
}
