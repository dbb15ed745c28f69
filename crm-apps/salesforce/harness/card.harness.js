// Renders the card as a Japanese rep in Tokyo sees it and writes a static HTML page for the
// README screenshot (run through `npm run screenshot`, not part of `npm test`).
import 'leadscore-test/ja';
import fs from 'fs';
import path from 'path';
import { getRecord } from 'lightning/uiRecordApi';
import LeadScoreCard from 'c/leadScoreCard';
import { BREAKDOWN, serialise, scoredRecord } from 'leadscore-test/fixtures';
import { mountCard, flush } from 'leadscore-test/render';

const OUT = path.join(__dirname, 'out');
const CARD_CSS = path.join(__dirname, '..', 'force-app', 'main', 'default', 'lwc', 'leadScoreCard', 'leadScoreCard.css');

// Rules in the writer's order: largest points first.
const SHOWCASE = {
    ...BREAKDOWN,
    rules: [
        {
            id: 'page-view-abc',
            label: '製品ABCページ閲覧 (2分以上)',
            points: 90,
            kind: 'engagement',
            measure: 3,
            until: '2026-12-10T15:00:00Z',
            evidence: [
                { id: 'a0B5g00000XyZ12EAB', at: '2026-11-19T05:10:00Z' },
                { id: 'a0B5g00000XyZ0zEAB', at: '2026-11-12T02:45:00Z' },
                { id: 'a0B5g00000XyZ0aEAB', at: '2026-11-10T08:20:00Z' }
            ],
            evidence_more: 0
        },
        BREAKDOWN.rules[0],
        { ...BREAKDOWN.rules[1], evidence: [{ id: '00v5g00000Qw3rTAAR', at: '2026-11-03T01:30:00Z' }] }
    ]
};

function page(body) {
    return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>leadscore card (ja)</title>
<style>
body { margin: 0; padding: 24px; background: #f3f3f3; font-family: "Salesforce Sans", "Noto Sans CJK JP", Arial, sans-serif; font-size: 13px; color: #181818; }
ul { list-style: none; margin: 0; padding: 0; } p { margin: 0.125rem 0; } a { color: #0b5cab; text-decoration: none; }
.slds-card { width: 380px; background: #fff; border: 1px solid #c9c9c9; border-radius: 0.25rem; box-shadow: 0 2px 2px rgba(0,0,0,.1); padding-bottom: 0.75rem; }
.slds-card__header { display: flex; align-items: center; gap: 0.5rem; padding: 0.75rem 1rem; font-weight: 700; font-size: 14px; }
.icon { width: 24px; height: 24px; border-radius: 0.25rem; background: #3c97dd; }
.slds-p-horizontal_medium { padding: 0 1rem; }
${fs.readFileSync(CARD_CSS, 'utf8')}
</style></head>
<body><article class="slds-card"><header class="slds-card__header"><span class="icon"></span>リードスコア</header>
${body}
</article></body></html>
`;
}

it('writes harness/out/salesforce-card-ja.html', async () => {
    const card = mountCard(LeadScoreCard);
    getRecord.emit(scoredRecord({ LeadScoreBreakdown__c: serialise(SHOWCASE) }));
    await flush();
    const body = card.shadowRoot.querySelector('.body').outerHTML;
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(path.join(OUT, 'salesforce-card-ja.html'), page(body));
});
