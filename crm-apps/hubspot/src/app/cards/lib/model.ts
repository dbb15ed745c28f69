/**
 * Contact properties -> what the card shows, as plain data (no React), so the same model
 * feeds the card, its tests and the screenshot harness.
 */

import { bandVariant, type BandVariant } from './bands';
import { parseBreakdown, type Breakdown, type BreakdownResult, type RuleContribution } from './breakdown';
import { Formatter, parseInstant } from './format';
import { stringsFor, type Strings } from './strings';

/** The contact properties the card reads (created by `leadscore setup`, group `leadscore`). */
export const PROPERTY_NAMES = [
  'leadscore_score',
  'leadscore_priority',
  'leadscore_breakdown',
  'leadscore_next_change_at',
  'leadscore_scored_at',
] as const;

export type PropertyName = (typeof PROPERTY_NAMES)[number];
export type ContactProperties = Partial<Record<string, string | null>>;

export interface Notice {
  title: string;
  body: string;
}

export interface RuleRow {
  id: string;
  label: string;
  kind: string;
  points: string;
  /** Lines under "Based on": the matched value or measure, then each activity with its date. */
  basis: string[];
  until: string;
}

export interface NextChange {
  title: string;
  /** "The score changes on …", or the no-change sentence. */
  summary: string;
  /** Which rules stop counting then, e.g. "trade-show visit counts through Dec 3, 2026". */
  rules: string | null;
}

export interface ScoredModel {
  state: 'scored';
  strings: Strings;
  score: string;
  band: string | null;
  bandVariant: BandVariant;
  followUp: boolean;
  fitEngagement: string | null;
  scoredAt: string | null;
  /** Set when the breakdown cannot be shown: the card then shows only score and band. */
  notice: Notice | null;
  rows: RuleRow[];
  emptyRules: string | null;
  footnotes: string[];
  truncatedNotice: string | null;
  nextChange: NextChange | null;
}

export type CardModel =
  | { state: 'loading'; strings: Strings }
  | { state: 'error'; strings: Strings; message: string }
  | { state: 'never-scored'; strings: Strings; title: string; body: string }
  | ScoredModel;

export interface ModelInput {
  properties: ContactProperties;
  locale: string | null | undefined;
  timeZone: string | null | undefined;
  isLoading?: boolean;
  error?: Error | null;
}

function text(value: string | null | undefined): string | null {
  const trimmed = (value ?? '').trim();
  return trimmed === '' ? null : trimmed;
}

function scoreNumber(raw: string | null): number | null {
  if (raw === null) return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : null;
}

function listOf(items: string[], locale: string): string {
  try {
    return new Intl.ListFormat(locale, { type: 'conjunction' }).format(items);
  } catch {
    return items.join(', ');
  }
}

function basisLines(rule: RuleContribution, fmt: Formatter, s: Strings): string[] {
  const lines: string[] = [];
  if (rule.value !== null) lines.push(s.matchedValue(rule.value));
  if (rule.measure !== null && rule.evidence.length === 0) lines.push(s.measured(fmt.numberOf(rule.measure)));
  for (const item of rule.evidence) {
    const at = parseInstant(item.at);
    lines.push(s.activity(item.id, at === null ? '—' : fmt.dayOf(at)));
  }
  if (rule.evidenceMore > 0) lines.push(s.evidenceMore(rule.evidenceMore));
  return lines;
}

function ruleRow(rule: RuleContribution, fmt: Formatter, s: Strings): RuleRow {
  const until = parseInstant(rule.until);
  return {
    id: rule.id,
    label: rule.label,
    kind: s.kind(rule.kind),
    points: fmt.numberOf(rule.points, true),
    basis: basisLines(rule, fmt, s),
    until: until === null ? s.noExpiry : fmt.untilPhrase(until, s),
  };
}

/** The rules whose points stop counting exactly at the next change (the writer's next_change_at). */
function rulesEndingAt(rules: RuleContribution[], when: Date): RuleContribution[] {
  return rules.filter((rule) => parseInstant(rule.until)?.getTime() === when.getTime());
}

function nextChangeOf(
  breakdown: Breakdown | null,
  property: string | null,
  fmt: Formatter,
  s: Strings,
): NextChange | null {
  const when = parseInstant(breakdown?.nextChangeAt ?? property);
  if (when === null) {
    return breakdown === null ? null : { title: s.nextChangeTitle, summary: s.noNextChange, rules: null };
  }
  const ending = breakdown === null ? [] : rulesEndingAt(breakdown.rules, when);
  return {
    title: s.nextChangeTitle,
    summary: s.nextChange(fmt.dateTimeOf(when)),
    rules:
      ending.length === 0
        ? null
        : s.nextChangeRules(listOf(ending.map((rule) => rule.label), fmt.locale), fmt.untilPhrase(when, s)),
  };
}

function footnotesOf(breakdown: Breakdown, s: Strings): string[] {
  const notes: string[] = [];
  if (breakdown.rulesMore > 0) notes.push(s.rulesMore(breakdown.rulesMore));
  if (breakdown.rulesUnreadable > 0) notes.push(s.rulesUnreadable(breakdown.rulesUnreadable));
  return notes;
}

function unavailableNotice(result: Exclude<BreakdownResult, { kind: 'ok' }>, s: Strings): Notice {
  return { title: s.breakdownUnavailable, body: s.breakdownUnavailableReason[result.kind] };
}

function scoredModel(
  props: ContactProperties,
  result: BreakdownResult,
  fmt: Formatter,
  s: Strings,
): ScoredModel {
  const breakdown = result.kind === 'ok' ? result.breakdown : null;
  const score = scoreNumber(text(props.leadscore_score)) ?? breakdown?.score ?? null;
  const band = text(props.leadscore_priority) ?? breakdown?.band ?? null;
  const scoredAt = parseInstant(text(props.leadscore_scored_at) ?? breakdown?.scoredAt ?? null);
  const hasParts = breakdown !== null && breakdown.fit !== null && breakdown.engagement !== null;
  return {
    state: 'scored',
    strings: s,
    score: score === null ? '—' : fmt.numberOf(score),
    band,
    bandVariant: bandVariant(band),
    followUp: breakdown?.followUp === true,
    fitEngagement: hasParts ? s.fitEngagement(fmt.numberOf(breakdown.fit ?? 0), fmt.numberOf(breakdown.engagement ?? 0)) : null,
    scoredAt: scoredAt === null ? null : s.scoredAt(fmt.dateTimeOf(scoredAt)),
    notice: result.kind === 'ok' ? null : unavailableNotice(result, s),
    rows: breakdown === null ? [] : breakdown.rules.map((rule) => ruleRow(rule, fmt, s)),
    emptyRules: breakdown !== null && breakdown.rules.length === 0 ? s.noRules : null,
    footnotes: breakdown === null ? [] : footnotesOf(breakdown, s),
    truncatedNotice: breakdown?.truncated === true ? s.truncatedNotice : null,
    nextChange: nextChangeOf(breakdown, text(props.leadscore_next_change_at), fmt, s),
  };
}

/** Everything the card shows for one contact. */
export function buildCardModel(input: ModelInput): CardModel {
  const s = stringsFor(input.locale);
  if (input.isLoading) return { state: 'loading', strings: s };
  if (input.error) return { state: 'error', strings: s, message: s.loadError };
  const props = input.properties;
  const result = parseBreakdown(props.leadscore_breakdown);
  if (text(props.leadscore_score) === null && result.kind === 'empty') {
    return { state: 'never-scored', strings: s, title: s.neverScoredTitle, body: s.neverScoredBody };
  }
  try {
    return scoredModel(props, result, new Formatter(input.locale, input.timeZone), s);
  } catch {
    // Last line of defence: a value no test foresaw must not blank the card.
    return plainScoreModel(props, s);
  }
}

/** Only the score and band as stored, with the "breakdown unavailable" notice. */
function plainScoreModel(props: ContactProperties, s: Strings): ScoredModel {
  const band = text(props.leadscore_priority);
  return {
    state: 'scored',
    strings: s,
    score: text(props.leadscore_score) ?? '—',
    band,
    bandVariant: bandVariant(band),
    followUp: false,
    fitEngagement: null,
    scoredAt: null,
    notice: { title: s.breakdownUnavailable, body: s.breakdownUnavailableReason.invalid },
    rows: [],
    emptyRules: null,
    footnotes: [],
    truncatedNotice: null,
    nextChange: null,
  };
}
