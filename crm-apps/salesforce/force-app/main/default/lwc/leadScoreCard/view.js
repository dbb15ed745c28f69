/**
 * Turns the record's leadscore fields into what the card shows.
 *
 * Pure: fields, labels, locale and time zone come in, a plain object comes out; the template
 * only reads it. A bad breakdown never hides the score: it becomes a notice beside it.
 */

import { parseBreakdown } from './breakdown';
import { bandTone, fill, formatDay, formatLastMoment, formatMoment, formatNumber, signedPoints } from './format';

const REASON_LABELS = {
    empty: 'reasonEmpty',
    invalid: 'reasonInvalid',
    unsupported: 'reasonUnsupported',
    'truncated-text': 'reasonTruncated'
};

// 15 or 18 character Salesforce ids: evidence that is a record in this org gets a link.
const RECORD_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** The view of a record's fields: `{ state: 'empty' }` when never scored, else the scored card. */
export function buildView(fields, { labels, locale, timeZone }) {
    const parsed = parseBreakdown(fields.breakdown);
    const breakdown = parsed.status === 'ok' ? parsed.breakdown : null;
    const score = fields.score ?? breakdown?.score ?? null;
    if (score === null) {
        return { state: 'empty', isEmpty: true };
    }
    const band = fields.band ?? breakdown?.band ?? null;
    const format = { labels, locale, timeZone };
    const nextChangeAt = fields.nextChangeAt ?? breakdown?.nextChangeAt ?? null;
    return {
        state: 'scored',
        isScored: true,
        score: formatNumber(score, locale),
        band,
        bandClass: `band band_${bandTone(band)}`,
        followUp: breakdown?.followUp === true,
        subtotals: subtotals(breakdown, format),
        nextChange: nextChange(nextChangeAt, breakdown, format),
        scoredAt: maybe(formatMoment(fields.scoredAt ?? breakdown?.scoredAt, locale, timeZone), (d) =>
            fill(labels.scoredAt, d)
        ),
        notice: breakdown ? null : notice(parsed, labels),
        reasons: breakdown ? null : fields.reasons || null,
        hasBreakdown: breakdown !== null,
        rules: breakdown ? breakdown.rules.map((rule, index) => ruleView(rule, index, format)) : [],
        noRules: breakdown !== null && breakdown.rules.length === 0,
        moreRules: breakdown?.rulesMore ? fill(labels.moreRules, breakdown.rulesMore) : null,
        shortened: breakdown?.truncated ? labels.shortened : null
    };
}

function subtotals(breakdown, { labels, locale }) {
    if (!breakdown || breakdown.fit === null || breakdown.engagement === null) {
        return null;
    }
    return fill(labels.subtotals, formatNumber(breakdown.fit, locale), formatNumber(breakdown.engagement, locale));
}

/** "X stops counting on <date>" when a rule's expiry is the next change, else the bare date. */
function nextChange(at, breakdown, { labels, locale, timeZone }) {
    const when = formatMoment(at, locale, timeZone);
    if (!when) {
        return null;
    }
    const instant = Date.parse(at);
    const expiring = breakdown?.rules.find((rule) => rule.until && Date.parse(rule.until) === instant);
    return expiring ? fill(labels.nextChangeRule, expiring.label, when) : fill(labels.nextChange, when);
}

function notice(parsed, labels) {
    const detail = fill(labels[REASON_LABELS[parsed.status]], parsed.version ?? '');
    return { title: labels.breakdownUnavailable, detail, status: parsed.status };
}

function ruleView(rule, index, { labels, locale, timeZone }) {
    return {
        key: `${index}-${rule.id}`,
        label: rule.label,
        points: signedPoints(rule.points, locale),
        pointsClass: `points ${rule.points < 0 ? 'points_negative' : 'points_positive'}`,
        detail: ruleDetail(rule, labels, locale),
        until: maybe(formatLastMoment(rule.until, locale, timeZone), (d) => fill(labels.until, d)),
        evidence: rule.evidence.map((item, position) => ({
            key: `${position}-${item.id ?? item.at}`,
            date: formatDay(item.at, locale, timeZone) ?? '',
            id: item.id ?? '',
            href: item.id && RECORD_ID.test(item.id) ? `/lightning/r/${item.id}/view` : null
        })),
        moreEvidence: rule.evidenceMore ? fill(labels.moreEvidence, rule.evidenceMore) : null
    };
}

function ruleDetail(rule, labels, locale) {
    if (rule.value !== null) {
        return fill(labels.matched, rule.value);
    }
    return rule.measure === null ? null : fill(labels.measured, formatNumber(rule.measure, locale));
}

function maybe(value, then) {
    return value === null || value === undefined ? null : then(value);
}
