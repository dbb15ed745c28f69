/** The card's user-visible strings in Japanese and English; other locales get English. */

export type Language = 'ja' | 'en';

export interface Strings {
  score: string;
  band: string;
  fitEngagement: (fit: string, engagement: string) => string;
  scoredAt: (when: string) => string;
  followUp: string;
  neverScoredTitle: string;
  neverScoredBody: string;
  breakdownUnavailable: string;
  breakdownUnavailableReason: {
    empty: string;
    invalid: string;
    'unsupported-version': string;
    'truncated-text': string;
  };
  loading: string;
  loadError: string;
  loadErrorBody: string;
  columnRule: string;
  columnPoints: string;
  columnBasis: string;
  columnUntil: string;
  kind: (kind: string) => string;
  matchedValue: (value: string) => string;
  measured: (measure: string) => string;
  activity: (id: string, when: string) => string;
  evidenceMore: (count: number) => string;
  countsThrough: (day: string) => string;
  countsUntil: (when: string) => string;
  noExpiry: string;
  noRules: string;
  rulesMore: (count: number) => string;
  rulesUnreadable: (count: number) => string;
  truncatedNotice: string;
  nextChangeTitle: string;
  nextChange: (when: string) => string;
  /** `phrase` is countsThrough(...) or countsUntil(...). */
  nextChangeRules: (labels: string, phrase: string) => string;
  noNextChange: string;
  rescoreNow: string;
  rescoreQueued: string;
  rescoreFailed: (detail: string) => string;
}

const ja: Strings = {
  score: 'スコア',
  band: '優先度',
  fitEngagement: (fit, engagement) => `属性 ${fit} ／ 行動 ${engagement}`,
  scoredAt: (when) => `採点日時: ${when}`,
  followUp: 'フォローアップ対象',
  neverScoredTitle: 'まだスコアがありません',
  neverScoredBody:
    'このコンタクトは leadscore でまだ採点されていません。次回の同期のあとに表示されます。',
  breakdownUnavailable: '内訳を表示できません',
  breakdownUnavailableReason: {
    empty: '内訳が記録されていません。次回の同期で記録されます。',
    invalid: '内訳の形式が正しくありません。次回の同期で書き直されます。',
    'unsupported-version': 'このカードが対応していない形式の内訳です。カードを更新してください。',
    'truncated-text':
      '内訳が途中で切れています（項目の文字数上限が短すぎます）。leadscore setup の設定を確認してください。',
  },
  loading: '読み込み中…',
  loadError: 'スコアを読み込めませんでした',
  loadErrorBody: 'ページを再読み込みしてください。続く場合は管理者に leadscore setup の項目を確認してもらってください。',
  columnRule: 'ルール',
  columnPoints: '点',
  columnBasis: '根拠',
  columnUntil: '有効期限',
  kind: (kind) => (kind === 'fit' ? '属性' : kind === 'engagement' ? '行動' : kind),
  matchedValue: (value) => `一致した値: ${value}`,
  measured: (measure) => `件数・合計: ${measure}`,
  activity: (id, when) => (id ? `${when}（${id}）` : when),
  evidenceMore: (count) => `ほか ${count} 件の活動`,
  countsThrough: (day) => `${day}まで`,
  countsUntil: (when) => `${when}まで`,
  noExpiry: '—',
  noRules: '加点されたルールはありません。',
  rulesMore: (count) => `ほか ${count} 件のルール（項目の長さに収めるため省略）`,
  rulesUnreadable: (count) => `読み取れないルール ${count} 件を省略しました`,
  truncatedNotice: '内訳の一部は項目の長さに収めるため省略されています。',
  nextChangeTitle: '次のスコア変化',
  nextChange: (when) => `${when} にスコアが変わります`,
  nextChangeRules: (labels, phrase) => `${labels}の加点は${phrase}`,
  noNextChange: '新しい活動がない限り、スコアは変わりません。',
  rescoreNow: '今すぐ再採点',
  rescoreQueued: '再採点を受け付けました。数秒後にページを再読み込みしてください。',
  rescoreFailed: (detail) => `再採点を依頼できませんでした（${detail}）。`,
};

const en: Strings = {
  score: 'Score',
  band: 'Band',
  fitEngagement: (fit, engagement) => `Fit ${fit} / Engagement ${engagement}`,
  scoredAt: (when) => `Scored ${when}`,
  followUp: 'Follow up',
  neverScoredTitle: 'No score yet',
  neverScoredBody:
    'leadscore has not scored this contact yet. The score appears after the next sync.',
  breakdownUnavailable: 'Breakdown unavailable',
  breakdownUnavailableReason: {
    empty: 'No breakdown was recorded; the next sync records one.',
    invalid: 'The breakdown is not in a readable format; the next sync rewrites it.',
    'unsupported-version': 'The breakdown is in a format this card does not know; update the card.',
    'truncated-text':
      "The breakdown was cut short (the field's length limit is too small); check the leadscore setup fields.",
  },
  loading: 'Loading…',
  loadError: 'The score could not be loaded',
  loadErrorBody: 'Reload the page. If it keeps happening, ask an admin to check the leadscore setup properties.',
  columnRule: 'Rule',
  columnPoints: 'Points',
  columnBasis: 'Based on',
  columnUntil: 'Counts until',
  kind: (kind) => (kind === 'fit' ? 'Fit' : kind === 'engagement' ? 'Engagement' : kind),
  matchedValue: (value) => `Matched: ${value}`,
  measured: (measure) => `Measured: ${measure}`,
  activity: (id, when) => (id ? `${when} (${id})` : when),
  evidenceMore: (count) => `and ${count} more ${count === 1 ? 'activity' : 'activities'}`,
  countsThrough: (day) => `through ${day}`,
  countsUntil: (when) => `until ${when}`,
  noExpiry: '—',
  noRules: 'No rule gave points.',
  rulesMore: (count) => `and ${count} more ${count === 1 ? 'rule' : 'rules'} (left out to fit the field)`,
  rulesUnreadable: (count) => `${count} unreadable ${count === 1 ? 'rule' : 'rules'} left out`,
  truncatedNotice: 'Part of the breakdown was left out to fit the field.',
  nextChangeTitle: 'Next score change',
  nextChange: (when) => `The score changes on ${when}`,
  nextChangeRules: (labels, phrase) => `${labels} counts ${phrase}`,
  noNextChange: 'The score stays as it is unless there is new activity.',
  rescoreNow: 'Rescore now',
  rescoreQueued: 'Rescore requested. Reload the page in a few seconds.',
  rescoreFailed: (detail) => `The rescore could not be requested (${detail}).`,
};

/** 'ja' for any Japanese locale ('ja', 'ja-JP', 'ja_jp'), 'en' for everything else. */
export function languageFor(locale: string | null | undefined): Language {
  return /^ja(?:[-_]|$)/i.test(locale ?? '') ? 'ja' : 'en';
}

/** The strings for a user's locale. */
export function stringsFor(locale: string | null | undefined): Strings {
  return languageFor(locale) === 'ja' ? ja : en;
}
