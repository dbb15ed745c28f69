/** The leadscore app card: score, band, the rules behind the score and when it next changes. */

import React, { useState } from 'react';
import {
  Alert,
  Button,
  EmptyState,
  ErrorState,
  Flex,
  LoadingSpinner,
  Statistics,
  StatisticsItem,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Tag,
  Text,
  hubspot,
  useExtensionContext,
} from '@hubspot/ui-extensions';
import { useCrmProperties } from '@hubspot/ui-extensions/crm';
import { buildCardModel, PROPERTY_NAMES, type RuleRow, type ScoredModel } from './lib/model';
import { requestRescore, rescoreUrl, type Fetcher } from './lib/rescore';
import type { Strings } from './lib/strings';

export interface LeadscoreCardProps {
  /** Replaces `hubspot.fetch` for the rescore button (tests). */
  fetcher?: Fetcher;
}

const hubspotFetcher: Fetcher = (url, options) => hubspot.fetch(url, options);

function RuleTable({ rows, strings }: { rows: RuleRow[]; strings: Strings }) {
  return (
    <Table bordered density="condensed" testId="rules">
      <TableHead>
        <TableRow>
          <TableHeader>{strings.columnRule}</TableHeader>
          <TableHeader align="right">{strings.columnPoints}</TableHeader>
          <TableHeader>{strings.columnBasis}</TableHeader>
          <TableHeader>{strings.columnUntil}</TableHeader>
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.id} testId={`rule-${row.id}`}>
            <TableCell>
              <Text format={{ fontWeight: 'demibold' }}>{row.label}</Text>
              <Text variant="microcopy">{row.kind}</Text>
            </TableCell>
            <TableCell align="right">
              <Text format={{ fontWeight: 'demibold' }}>{row.points}</Text>
            </TableCell>
            <TableCell>
              {row.basis.map((line, index) => (
                <Text key={index} variant="microcopy">
                  {line}
                </Text>
              ))}
            </TableCell>
            <TableCell>
              <Text variant="microcopy">{row.until}</Text>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function RescoreButton({ url, contactId, fetcher, strings }: {
  url: string;
  contactId: string;
  fetcher: Fetcher;
  strings: Strings;
}) {
  const [state, setState] = useState<'idle' | 'busy' | 'queued' | string>('idle');
  const onClick = async () => {
    setState('busy');
    const outcome = await requestRescore(fetcher, url, contactId);
    setState(outcome.ok ? 'queued' : outcome.detail);
  };
  const message =
    state === 'queued' ? strings.rescoreQueued : state === 'idle' || state === 'busy' ? null : strings.rescoreFailed(state);
  return (
    <Flex direction="column" gap="xs">
      <Button testId="rescore" variant="secondary" size="sm" disabled={state === 'busy'} onClick={onClick}>
        {strings.rescoreNow}
      </Button>
      {message === null ? null : (
        <Text testId="rescore-result" variant="microcopy">
          {message}
        </Text>
      )}
    </Flex>
  );
}

function ScoredView({ model, rescore }: { model: ScoredModel; rescore: React.ReactNode }) {
  const s = model.strings;
  return (
    <Flex direction="column" gap="sm">
      <Flex direction="row" gap="md" align="center" wrap>
        <Statistics>
          <StatisticsItem testId="score" label={s.score} number={model.score}>
            {model.fitEngagement === null ? null : <Text variant="microcopy">{model.fitEngagement}</Text>}
          </StatisticsItem>
        </Statistics>
        <Flex direction="column" gap="xs">
          <Text variant="microcopy">{s.band}</Text>
          <Flex direction="row" gap="xs">
            <Tag testId="band" variant={model.bandVariant}>
              {model.band ?? '—'}
            </Tag>
            {model.followUp ? <Tag testId="follow-up" variant="error">{s.followUp}</Tag> : null}
          </Flex>
        </Flex>
      </Flex>
      {model.scoredAt === null ? null : <Text variant="microcopy">{model.scoredAt}</Text>}
      {model.notice === null ? null : (
        <Alert testId="breakdown-notice" title={model.notice.title} variant="warning">
          {model.notice.body}
        </Alert>
      )}
      {model.nextChange === null ? null : (
        <Alert testId="next-change" title={model.nextChange.title} variant="info">
          <Text>{model.nextChange.summary}</Text>
          {model.nextChange.rules === null ? null : <Text>{model.nextChange.rules}</Text>}
        </Alert>
      )}
      {model.rows.length > 0 ? <RuleTable rows={model.rows} strings={s} /> : null}
      {model.emptyRules === null ? null : <Text>{model.emptyRules}</Text>}
      {model.footnotes.map((note) => (
        <Text key={note} variant="microcopy">
          {note}
        </Text>
      ))}
      {model.truncatedNotice === null ? null : (
        <Text testId="truncated" variant="microcopy" format={{ italic: true }}>
          {model.truncatedNotice}
        </Text>
      )}
      {rescore}
    </Flex>
  );
}

/** Reads the leadscore contact properties of the record it is shown on and renders them. */
export function LeadscoreCard({ fetcher = hubspotFetcher }: LeadscoreCardProps) {
  const context = useExtensionContext<'crm.record.tab'>();
  const { properties, isLoading, error } = useCrmProperties([...PROPERTY_NAMES]);
  const model = buildCardModel({
    properties,
    locale: context.user.locale ?? context.user.language,
    timeZone: context.portal.timezone,
    isLoading,
    error,
  });
  const s = model.strings;
  if (model.state === 'loading') return <LoadingSpinner label={s.loading} layout="centered" />;
  if (model.state === 'error') {
    return (
      <ErrorState testId="load-error" title={s.loadError}>
        <Text>{s.loadErrorBody}</Text>
      </ErrorState>
    );
  }
  const url = rescoreUrl(context.variables);
  const rescore =
    url === null ? null : (
      <RescoreButton url={url} contactId={String(context.crm.objectId)} fetcher={fetcher} strings={s} />
    );
  if (model.state === 'never-scored') {
    return (
      <EmptyState testId="never-scored" title={model.title} layout="vertical" imageName="leads">
        <Text>{model.body}</Text>
        {rescore}
      </EmptyState>
    );
  }
  return <ScoredView model={model} rescore={rescore} />;
}
