import { describe, expect, it } from 'vitest';
import { Formatter, parseInstant, resolveLocale, resolveTimeZone } from '../src/app/cards/lib/format';
import { languageFor, stringsFor } from '../src/app/cards/lib/strings';
import { bandVariant } from '../src/app/cards/lib/bands';
import { plain } from './fixtures';

describe('strings', () => {
  it.each([
    ['ja', 'ja'],
    ['ja-JP', 'ja'],
    ['ja-jp', 'ja'],
    ['ja_JP', 'ja'],
    ['en-us', 'en'],
    ['fr-fr', 'en'],
    ['jam', 'en'],
    [undefined, 'en'],
    ['', 'en'],
  ])('locale %s gets %s strings', (locale, language) => {
    expect(languageFor(locale)).toBe(language);
  });

  it('has the pinned notice in both languages', () => {
    expect(stringsFor('ja').breakdownUnavailable).toBe('内訳を表示できません');
    expect(stringsFor('en').breakdownUnavailable).toBe('Breakdown unavailable');
  });
});

describe('formatting', () => {
  it('canonicalises HubSpot-style locales and falls back to en for junk', () => {
    expect(resolveLocale('ja-jp')).toBe('ja-JP');
    expect(resolveLocale('en_us')).toBe('en-US');
    expect(resolveLocale('!!')).toBe('en');
    expect(resolveLocale(null)).toBe('en');
  });

  it('ignores a time zone Intl does not know', () => {
    expect(resolveTimeZone('Asia/Tokyo')).toBe('Asia/Tokyo');
    expect(resolveTimeZone('Mars/Olympus')).toBeUndefined();
  });

  it('reads ISO text and epoch milliseconds, and nothing else', () => {
    expect(parseInstant('2026-12-03T15:00:00Z')?.toISOString()).toBe('2026-12-03T15:00:00.000Z');
    expect(parseInstant('1796310000000')?.toISOString()).toBe('2026-12-03T15:00:00.000Z');
    expect(parseInstant('soon')).toBeNull();
    expect(parseInstant('99999999999999999999')).toBeNull();
    expect(parseInstant(null)).toBeNull();
  });

  it('says "through the day before" for a local-midnight cut and keeps the time otherwise', () => {
    const until = new Date('2026-12-03T15:00:00Z');
    expect(new Formatter('ja-JP', 'Asia/Tokyo').untilPhrase(until, stringsFor('ja'))).toBe('2026/12/03まで');
    expect(plain(new Formatter('en-US', 'Asia/Tokyo').untilPhrase(until, stringsFor('en')))).toBe('through Dec 3, 2026');
    expect(plain(new Formatter('en-US', 'UTC').untilPhrase(until, stringsFor('en')))).toBe('until Dec 3, 2026, 3:00 PM');
  });

  it('signs positive points and keeps negative ones', () => {
    const fmt = new Formatter('en', 'UTC');
    expect(fmt.numberOf(20, true)).toBe('+20');
    expect(fmt.numberOf(-5, true)).toBe('-5');
    expect(fmt.numberOf(1500)).toBe('1,500');
  });
});

describe('band colours', () => {
  it('maps 高/中/低 to red/amber/grey and unknown labels to neutral', () => {
    expect(bandVariant('高')).toBe('error');
    expect(bandVariant('中')).toBe('warning');
    expect(bandVariant('低')).toBe('default');
    expect(bandVariant(' High ')).toBe('error');
    expect(bandVariant('A')).toBe('info');
    expect(bandVariant(null)).toBe('info');
  });
});
