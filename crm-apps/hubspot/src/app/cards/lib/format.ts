/** Dates and numbers in the user's locale and the portal's time zone (Intl only, no libraries). */

import type { Strings } from './strings';

/** A locale Intl accepts ('ja_jp' -> 'ja-JP'); 'en' when the given one is missing or invalid. */
export function resolveLocale(locale: string | null | undefined): string {
  const candidate = (locale ?? '').replace(/_/g, '-').trim();
  if (candidate === '') return 'en';
  try {
    return Intl.getCanonicalLocales(candidate)[0] ?? 'en';
  } catch {
    return 'en';
  }
}

/** An IANA time zone Intl accepts, or undefined (the browser's own zone) when invalid. */
export function resolveTimeZone(timeZone: string | null | undefined): string | undefined {
  if (!timeZone) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return timeZone;
  } catch {
    return undefined;
  }
}

/** A CRM datetime value (ISO 8601, or epoch milliseconds as HubSpot sometimes gives) as a Date. */
export function parseInstant(raw: string | number | null | undefined): Date | null {
  if (raw === null || raw === undefined || raw === '') return null;
  const text = String(raw).trim();
  const instant = new Date(/^\d+$/.test(text) ? Number(text) : Date.parse(text));
  // Out-of-range values give an Invalid Date, which Intl refuses to format (RangeError).
  return Number.isNaN(instant.getTime()) ? null : instant;
}

/** Formats instants, days and numbers for one user. */
export class Formatter {
  readonly locale: string;
  readonly timeZone: string | undefined;
  private readonly dateTime: Intl.DateTimeFormat;
  private readonly day: Intl.DateTimeFormat;
  private readonly clock: Intl.DateTimeFormat;
  private readonly number: Intl.NumberFormat;

  constructor(locale: string | null | undefined, timeZone: string | null | undefined) {
    this.locale = resolveLocale(locale);
    this.timeZone = resolveTimeZone(timeZone);
    const zone = this.timeZone === undefined ? {} : { timeZone: this.timeZone };
    this.dateTime = new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeStyle: 'short', ...zone });
    this.day = new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', ...zone });
    this.clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...zone });
    this.number = new Intl.NumberFormat(this.locale);
  }

  /** Date and time, e.g. "2026/12/04 0:00" (ja) or "Dec 4, 2026, 12:00 AM" (en). */
  dateTimeOf(instant: Date): string {
    return this.dateTime.format(instant);
  }

  /** The calendar day, e.g. "2026/11/03" (ja) or "Nov 3, 2026" (en). */
  dayOf(instant: Date): string {
    return this.day.format(instant);
  }

  /** A whole number in the locale's digits; signed ("+20", "-5") when asked. */
  numberOf(value: number, signed = false): string {
    const text = this.number.format(value);
    return signed && value > 0 ? `+${text}` : text;
  }

  /**
   * When something stops counting, as a rep reads it: a cut at local midnight is "through
   * the day before" (12/04 00:00 -> "through Dec 3"); any other time keeps the time.
   */
  untilPhrase(instant: Date, strings: Strings): string {
    if (this.clock.format(instant) === '00:00') {
      return strings.countsThrough(this.dayOf(new Date(instant.getTime() - 1)));
    }
    return strings.countsUntil(this.dateTimeOf(instant));
  }
}
