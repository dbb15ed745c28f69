/**
 * Formatting for the card: band colours, dates in the user's locale and time zone, label templates.
 *
 * Pure: the locale and time zone come in as arguments (the component passes
 * @salesforce/i18n/locale and @salesforce/i18n/timeZone), so tests pin them.
 */

// The example rules' bands and their English spellings; any other band gets a neutral colour.
const BAND_TONES = {
    高: 'high',
    high: 'high',
    中: 'medium',
    medium: 'medium',
    低: 'low',
    low: 'low'
};

/** The colour family of a band label: high, medium, low or neutral. */
export function bandTone(band) {
    if (typeof band !== 'string') {
        return 'neutral';
    }
    return BAND_TONES[band.trim().toLowerCase()] || 'neutral';
}

/** Fills {0}, {1}, ... in a Custom Label with the given values. */
export function fill(template, ...values) {
    return String(template).replace(/\{(\d+)\}/g, (whole, index) =>
        index < values.length ? String(values[index]) : whole
    );
}

/** Points with their sign, as a rep reads them: +20, -5, 0. */
export function signedPoints(points, locale) {
    const number = new Intl.NumberFormat(locale).format(Math.abs(points));
    if (points > 0) {
        return `+${number}`;
    }
    return points < 0 ? `-${number}` : number;
}

export function formatNumber(value, locale) {
    return new Intl.NumberFormat(locale).format(value);
}

/** The calendar day of an ISO instant in the user's time zone; null when unreadable. */
export function formatDay(iso, locale, timeZone) {
    const date = toDate(iso);
    if (!date) {
        return null;
    }
    return new Intl.DateTimeFormat(locale, { ...DAY, timeZone }).format(date);
}

/** An ISO instant as day, plus the time of day unless it is local midnight; null when unreadable. */
export function formatMoment(iso, locale, timeZone) {
    const date = toDate(iso);
    if (!date) {
        return null;
    }
    const options = isLocalMidnight(date, timeZone) ? DAY : { ...DAY, ...TIME };
    return new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(date);
}

/**
 * The last moment something counts, as a rep reads it: a cut at local midnight is the day
 * before ("counts until Dec 3" for 12/04 00:00; Japanese まで includes the day it names).
 */
export function formatLastMoment(iso, locale, timeZone) {
    const date = toDate(iso);
    if (!date || !isLocalMidnight(date, timeZone)) {
        return formatMoment(iso, locale, timeZone);
    }
    return new Intl.DateTimeFormat(locale, { ...DAY, timeZone }).format(new Date(date.getTime() - 1));
}

const DAY = { year: 'numeric', month: 'short', day: 'numeric' };
const TIME = { hour: 'numeric', minute: '2-digit' };

function isLocalMidnight(date, timeZone) {
    const parts = new Intl.DateTimeFormat('en-US', {
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZone
    }).formatToParts(date);
    const value = (type) => parts.find((part) => part.type === type)?.value;
    return value('hour') === '00' && value('minute') === '00';
}

function toDate(iso) {
    if (typeof iso !== 'string' || iso === '') {
        return null;
    }
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? null : date;
}
