// First import: the card renders for a Japanese user in Asia/Tokyo, with the shipped ja translation.
import 'leadscore-test/ja';
import { getRecord } from 'lightning/uiRecordApi';
import LeadScoreCard from 'c/leadScoreCard';
import { BREAKDOWN, serialise, scoredRecord, neverScoredRecord } from 'leadscore-test/fixtures';
import { mountCard, flush, text, texts, unmountAll } from 'leadscore-test/render';
import { masterLabels, translatedLabels } from 'leadscore-test/metadata';

async function renderWith(record) {
    const element = mountCard(LeadScoreCard);
    getRecord.emit(record);
    await flush();
    return element;
}

afterEach(unmountAll);

it('translates every Custom Label into Japanese, and nothing else', () => {
    const japanese = translatedLabels('ja');
    expect(Object.keys(japanese).sort()).toEqual(Object.keys(masterLabels()).sort());
    expect(Object.values(japanese).every((value) => value.trim() !== '')).toBe(true);
});

it('shows the empty state in Japanese', async () => {
    const card = await renderWith(neverScoredRecord());
    expect(text(card, '.empty-title')).toBe('まだスコアがありません');
});

it('shows the score, rules and dates in Japanese and Tokyo time', async () => {
    const card = await renderWith(scoredRecord());
    expect(text(card, '.score')).toBe('150');
    expect(text(card, '.follow-up')).toBe('今すぐフォロー');
    expect(text(card, '.subtotals')).toBe('属性 30 · 行動 120');
    // 15:00 UTC on Dec 3 is midnight on Dec 4 in Tokyo: a date without a time
    expect(text(card, '.next-change')).toBe('「展示会来場」の加点は 2026年12月4日 に終了します');
    expect(texts(card, '.rule-detail')).toEqual(['該当: 自動車部品製造', '計測値: 1']);
    expect(text(card, '.rule-until')).toBe('2026年12月3日 まで加点');
    expect(text(card, '.evidence-date')).toBe('2026年11月3日');
    expect(text(card, '.scored-at')).toBe('2026年11月20日 18:00 に算出');
});

it('shows the plain score and the notice in Japanese for a breakdown cut short', async () => {
    const cut = serialise(BREAKDOWN).slice(0, 100);
    const card = await renderWith(scoredRecord({ LeadScoreBreakdown__c: cut }));
    expect(text(card, '.score')).toBe('150');
    expect(text(card, '.notice-title')).toBe('内訳を表示できません');
    expect(text(card, '.notice-detail')).toContain('途中で切れています');
});

it('shows the load error in Japanese', async () => {
    const card = mountCard(LeadScoreCard);
    getRecord.error({ message: 'insufficient access' }, 403, 'Forbidden');
    await flush();
    expect(text(card, '.load-error')).toBe('スコアを読み込めませんでした: insufficient access');
});
