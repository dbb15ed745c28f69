import React from 'react';
import { describe, expect, it, vi } from 'vitest';
import {
  Alert,
  EmptyState,
  ErrorState,
  LoadingSpinner,
  StatisticsItem,
  Table,
  TableHeader,
  TableRow,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { LeadscoreCard } from '../src/app/cards/LeadscoreCard';
import { PROPERTY_NAMES } from '../src/app/cards/lib/model';
import { NEVER_SCORED, SCORED_BREAKDOWN, allText, plain, scoredProperties, serialise } from './fixtures';

interface Setup {
  properties: Record<string, string | null>;
  locale?: string;
  timeZone?: string;
  isLoading?: boolean;
  error?: Error | null;
}

/** Renders the card on a contact record with the given properties, user locale and portal zone. */
function renderCard({ properties, locale = 'ja-jp', timeZone = 'Asia/Tokyo', isLoading = false, error = null }: Setup) {
  const renderer = createRenderer('crm.record.tab');
  renderer.mocks.context.user.locale = locale;
  renderer.mocks.context.portal.timezone = timeZone;
  renderer.mocks.useCrmProperties.willCall(() => ({
    properties,
    error,
    isLoading,
    isRefetching: false,
    refetch: async () => {},
  }));
  renderer.render(<LeadscoreCard />);
  return renderer;
}

function rowTexts(renderer: ReturnType<typeof renderCard>, ruleId: string): string[] {
  return renderer.findByTestId(TableRow, `rule-${ruleId}`).findAll(Text).map((node) => plain(node.text));
}

describe('LeadscoreCard', () => {
  it('asks useCrmProperties for exactly the leadscore result properties', () => {
    const renderer = renderCard({ properties: scoredProperties() });
    expect(renderer.mocks.useCrmProperties.calls[0]?.[0]).toEqual([...PROPERTY_NAMES]);
  });

  it('shows the empty state, and no score, for a contact that was never scored', () => {
    const renderer = renderCard({ properties: NEVER_SCORED });
    const empty = renderer.find(EmptyState);
    expect(empty.props.title).toBe('まだスコアがありません');
    expect(renderer.maybeFind(StatisticsItem)).toBeNull();
    expect(renderer.maybeFind(Table)).toBeNull();
  });

  it('shows score, band, follow-up and the scored time for a scored contact (ja, Tokyo)', () => {
    const renderer = renderCard({ properties: scoredProperties() });
    const score = renderer.findByTestId(StatisticsItem, 'score');
    expect(score.props.number).toBe('150');
    expect(score.props.label).toBe('スコア');
    expect(allText(score)).toContain('属性 30 ／ 行動 120');
    const band = renderer.findByTestId(Tag, 'band');
    expect(band.text).toBe('高');
    expect(band.props.variant).toBe('error');
    expect(renderer.findByTestId(Tag, 'follow-up').text).toBe('フォローアップ対象');
    expect(allText(renderer.getRootNode())).toContain('採点日時: 2026/11/20 18:00');
  });

  it.each([
    ['高', 'error'],
    ['中', 'warning'],
    ['低', 'default'],
    ['Hot lead', 'info'],
  ])('colours band %s with the %s tag', (band, variant) => {
    const renderer = renderCard({ properties: { ...scoredProperties(), leadscore_priority: band } });
    expect(renderer.findByTestId(Tag, 'band').props.variant).toBe(variant);
  });

  it('lists one row per rule, largest first, with evidence dates and until (ja, Tokyo)', () => {
    const renderer = renderCard({ properties: scoredProperties() });
    const headers = renderer.findAll(TableHeader).map((node) => node.text);
    expect(headers).toEqual(['ルール', '点', '根拠', '有効期限']);
    const rows = renderer.findAll(TableRow).slice(1);
    expect(rows.map((row) => row.props.testId)).toEqual([
      'rule-web-visits',
      'rule-industry-automotive',
      'rule-title-senior',
      'rule-trade-show-visit',
      'rule-free-mail',
    ]);
    // 01:30Z is 10:30 in Tokyo; until 15:00Z is midnight in Tokyo, so it counts through 12/03.
    expect(rowTexts(renderer, 'trade-show-visit')).toEqual([
      '展示会来場',
      '行動',
      '+10',
      '2026/11/03（A-1001）',
      '2026/12/03まで',
    ]);
    expect(rowTexts(renderer, 'industry-automotive')).toEqual(['業種: 自動車', '属性', '+20', '一致した値: 自動車部品製造', '—']);
    expect(rowTexts(renderer, 'web-visits')).toContain('ほか 10 件の活動');
    expect(rowTexts(renderer, 'free-mail')).toContain('-10');
  });

  it('says when the score next changes and which rule stops counting (ja)', () => {
    const renderer = renderCard({ properties: scoredProperties() });
    const next = renderer.findByTestId(Alert, 'next-change');
    expect(next.props.title).toBe('次のスコア変化');
    expect(allText(next)).toContain('2026/12/04 0:00 にスコアが変わります');
    expect(allText(next)).toContain('展示会来場の加点は2026/12/03まで');
  });

  it('uses English strings and the portal time zone for an English user (en-us, New York)', () => {
    const renderer = renderCard({ properties: scoredProperties(), locale: 'en-us', timeZone: 'America/New_York' });
    expect(renderer.findByTestId(StatisticsItem, 'score').props.label).toBe('Score');
    expect(renderer.findAll(TableHeader).map((node) => node.text)).toEqual(['Rule', 'Points', 'Based on', 'Counts until']);
    // 15:00Z is 10:00 in New York: not midnight, so the time is kept.
    expect(rowTexts(renderer, 'trade-show-visit')).toEqual([
      '展示会来場',
      'Engagement',
      '+10',
      'Nov 2, 2026 (A-1001)',
      'until Dec 3, 2026, 10:00 AM',
    ]);
    const next = allText(renderer.findByTestId(Alert, 'next-change'));
    expect(next).toContain('The score changes on Dec 3, 2026, 10:00 AM');
    expect(next).toContain('展示会来場 counts until Dec 3, 2026, 10:00 AM');
  });

  it('falls back to English for other locales but formats dates in that locale', () => {
    const renderer = renderCard({ properties: scoredProperties(), locale: 'de-de', timeZone: 'Europe/Berlin' });
    expect(renderer.find(TableHeader).text).toBe('Rule');
    expect(rowTexts(renderer, 'trade-show-visit')).toContain('03.11.2026 (A-1001)');
  });

  it('shows the truncated notice and the count of dropped rules when the writer shortened it', () => {
    const cut = { ...SCORED_BREAKDOWN, truncated: true, rules_more: 2 };
    const renderer = renderCard({ properties: scoredProperties(serialise(cut)) });
    expect(renderer.findByTestId(Text, 'truncated').text).toBe('内訳の一部は項目の長さに収めるため省略されています。');
    expect(allText(renderer.getRootNode())).toContain('ほか 2 件のルール');
    expect(renderer.maybeFindByTestId(Alert, 'breakdown-notice')).toBeNull();
  });

  it('shows no truncated notice for a complete breakdown', () => {
    const renderer = renderCard({ properties: scoredProperties() });
    expect(renderer.maybeFindByTestId(Text, 'truncated')).toBeNull();
  });

  const badBreakdowns: [string, string, string][] = [
    ['invalid JSON', '展示会来場 +10', '内訳の形式が正しくありません'],
    ['a newer version', serialise({ ...SCORED_BREAKDOWN, v: 2 }), '対応していない形式'],
    ['an older version', serialise({ ...SCORED_BREAKDOWN, v: 0 }), '対応していない形式'],
    ['text cut by a shorter field', serialise(SCORED_BREAKDOWN).slice(0, 255), '途中で切れています'],
    ['an empty breakdown beside a score', '', '内訳が記録されていません'],
  ];

  it.each(badBreakdowns)('renders the plain score and a short notice for %s', (_name, breakdown, reason) => {
    const renderer = renderCard({ properties: scoredProperties(breakdown) });
    expect(renderer.findByTestId(StatisticsItem, 'score').props.number).toBe('150');
    expect(renderer.findByTestId(Tag, 'band').text).toBe('高');
    const notice = renderer.findByTestId(Alert, 'breakdown-notice');
    expect(notice.props.title).toBe('内訳を表示できません');
    expect(allText(notice)).toContain(reason);
    expect(renderer.maybeFind(Table)).toBeNull();
    expect(renderer.maybeFind(EmptyState)).toBeNull();
  });

  it('still shows the next change from its own property when the breakdown is unreadable', () => {
    const renderer = renderCard({ properties: scoredProperties('{"v":1,"score":150,"ru') });
    expect(allText(renderer.findByTestId(Alert, 'next-change'))).toContain('2026/12/04 0:00 にスコアが変わります');
  });

  it('falls back to the plain score and the notice if formatting fails unexpectedly', () => {
    const spy = vi.spyOn(Intl, 'DateTimeFormat').mockImplementation(() => {
      throw new RangeError('no ICU data');
    });
    try {
      const renderer = renderCard({ properties: scoredProperties() });
      expect(renderer.findByTestId(StatisticsItem, 'score').props.number).toBe('150');
      expect(renderer.findByTestId(Alert, 'breakdown-notice').props.title).toBe('内訳を表示できません');
    } finally {
      spy.mockRestore();
    }
  });

  it('shows the notice in English for an English user', () => {
    const renderer = renderCard({ properties: scoredProperties('not json'), locale: 'en-us' });
    expect(renderer.findByTestId(Alert, 'breakdown-notice').props.title).toBe('Breakdown unavailable');
  });

  it('says the score stays when nothing will change it by itself', () => {
    const quiet = { ...SCORED_BREAKDOWN, next_change_at: null };
    const renderer = renderCard({
      properties: { ...scoredProperties(serialise(quiet)), leadscore_next_change_at: null },
      locale: 'en',
    });
    expect(allText(renderer.findByTestId(Alert, 'next-change'))).toContain('The score stays as it is unless there is new activity.');
  });

  it('shows a spinner while loading and an error state when the properties cannot be read', () => {
    expect(renderCard({ properties: {}, isLoading: true }).maybeFind(LoadingSpinner)).not.toBeNull();
    const failed = renderCard({ properties: {}, error: new Error('403') });
    expect(failed.find(ErrorState).props.title).toBe('スコアを読み込めませんでした');
  });
});
