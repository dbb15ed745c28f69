/**
 * A tiny static renderer for screenshots: maps the ui-extensions component tree that the
 * testing renderer produced to plain HTML + CSS that approximates HubSpot's card look.
 * Only the components the leadscore card uses are mapped; anything else shows its name.
 */

import type { RenderedNode } from '@hubspot/ui-extensions/testing';

type Props = Record<string, unknown>;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function cls(...names: (string | false | undefined)[]): string {
  return names.filter(Boolean).join(' ');
}

function children(node: RenderedNode): string {
  if (node.nodeType === 'text') return escape(node.text);
  return node.childNodes.map((child) => toHtml(child)).join('');
}

function flexHtml(props: Props, inner: string): string {
  const style = [
    `flex-direction:${props.direction === 'column' ? 'column' : 'row'}`,
    `gap:${gap(props.gap)}`,
    props.align ? `align-items:${props.align === 'start' ? 'flex-start' : props.align === 'end' ? 'flex-end' : String(props.align)}` : '',
    props.wrap ? 'flex-wrap:wrap' : '',
  ].filter(Boolean);
  return `<div class="flex" style="${style.join(';')}">${inner}</div>`;
}

function gap(size: unknown): string {
  const sizes: Record<string, string> = { flush: '0', xs: '4px', 'extra-small': '4px', sm: '8px', small: '8px', md: '16px', medium: '16px', lg: '24px', xl: '32px' };
  return sizes[String(size ?? 'flush')] ?? '0';
}

function textHtml(props: Props, inner: string): string {
  const format = (props.format ?? {}) as Props;
  const classes = cls(
    'text',
    props.variant === 'microcopy' && 'micro',
    format.fontWeight === 'bold' && 'bold',
    format.fontWeight === 'demibold' && 'demi',
    format.italic === true && 'italic',
  );
  return `<p class="${classes}">${inner}</p>`;
}

/** One rendered node as HTML. */
export function toHtml(node: RenderedNode): string {
  if (node.nodeType === 'text') return escape(node.text);
  if (node.nodeType !== 'element') return children(node);
  const props = node.props as Props;
  const inner = children(node);
  switch (node.name) {
    case 'Flex':
      return flexHtml(props, inner);
    case 'Text':
      return textHtml(props, inner);
    case 'Statistics':
      return `<div class="stats">${inner}</div>`;
    case 'StatisticsItem':
      return `<div class="stat"><div class="stat-label">${escape(String(props.label))}</div><div class="stat-number">${escape(String(props.number))}</div>${inner}</div>`;
    case 'Tag':
      return `<span class="tag tag-${escape(String(props.variant ?? 'default'))}">${inner}</span>`;
    case 'Alert':
      return `<div class="alert alert-${escape(String(props.variant ?? 'info'))}"><div class="alert-title">${escape(String(props.title))}</div>${inner}</div>`;
    case 'Table':
      return `<table class="table">${inner}</table>`;
    case 'TableHead':
      return `<thead>${inner}</thead>`;
    case 'TableBody':
      return `<tbody>${inner}</tbody>`;
    case 'TableRow':
      return `<tr>${inner}</tr>`;
    case 'TableHeader':
      return `<th style="text-align:${escape(String(props.align ?? 'left'))}">${inner}</th>`;
    case 'TableCell':
      return `<td style="text-align:${escape(String(props.align ?? 'left'))}">${inner}</td>`;
    case 'EmptyState':
      return `<div class="empty"><svg class="empty-art" width="64" height="48" viewBox="0 0 64 48" aria-hidden="true"><rect x="4" y="6" width="56" height="36" rx="4" fill="#eaf0f6" stroke="#cbd6e2"/><circle cx="20" cy="22" r="7" fill="#cbd6e2"/><rect x="32" y="16" width="20" height="4" rx="2" fill="#cbd6e2"/><rect x="32" y="26" width="14" height="4" rx="2" fill="#cbd6e2"/></svg><h3>${escape(String(props.title ?? ''))}</h3>${inner}</div>`;
    case 'ErrorState':
      return `<div class="empty"><h3>${escape(String(props.title ?? ''))}</h3>${inner}</div>`;
    case 'Button':
      return `<button class="button">${inner}</button>`;
    case 'LoadingSpinner':
      return `<p class="text micro">${escape(String(props.label))}</p>`;
    default:
      return `<div class="unknown">[${escape(node.name)}] ${inner}</div>`;
  }
}

const CSS = `
body { margin:0; background:#f5f8fa; font-family:"Lexend Deca","Helvetica Neue",Arial,"Noto Sans CJK JP","Noto Sans JP",sans-serif; color:#33475b; font-size:14px; }
.frame { margin:16px; background:#fff; border:1px solid #dfe3eb; border-radius:4px; }
.frame-title { padding:12px 20px; border-bottom:1px solid #dfe3eb; font-weight:600; font-size:16px; }
.frame-body { padding:16px 20px 20px; }
.flex { display:flex; }
.text { margin:0; line-height:1.5; }
.micro { font-size:12px; color:#516f90; }
.demi { font-weight:600; } .bold { font-weight:700; } .italic { font-style:italic; }
.stats { display:flex; gap:24px; }
.stat-label { font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:#516f90; }
.stat-number { font-size:32px; font-weight:300; line-height:1.2; color:#33475b; }
.tag { display:inline-block; padding:2px 8px; border-radius:3px; font-size:12px; font-weight:600; border:1px solid; }
.tag-error { background:#fde8e9; border-color:#f2545b; color:#d94c53; }
.tag-warning { background:#fef8f0; border-color:#ffbc4b; color:#b36200; }
.tag-default { background:#eaf0f6; border-color:#cbd6e2; color:#516f90; }
.tag-info { background:#e5f5f8; border-color:#7fd1de; color:#0091ae; }
.tag-success { background:#e5f8f6; border-color:#00bda5; color:#00a38d; }
.alert { border:1px solid; border-left-width:4px; border-radius:3px; padding:10px 14px; }
.alert-title { font-weight:600; margin-bottom:2px; }
.alert-info { background:#e5f5f8; border-color:#7fd1de; }
.alert-warning { background:#fef8f0; border-color:#ffbc4b; }
.alert-danger, .alert-error { background:#fde8e9; border-color:#f2545b; }
.table { border-collapse:collapse; width:100%; border:1px solid #cbd6e2; }
.table th { background:#f5f8fa; font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:#516f90; padding:6px 10px; border:1px solid #cbd6e2; font-weight:600; }
.table td { padding:6px 10px; border:1px solid #cbd6e2; vertical-align:top; }
.empty { text-align:center; padding:24px; } .empty h3 { margin:8px 0; font-weight:600; } .empty-art { display:block; margin:0 auto; }
.button { margin-top:8px; font:inherit; font-size:12px; padding:6px 12px; border:1px solid #cbd6e2; border-radius:3px; background:#eaf0f6; color:#33475b; }
.unknown { border:1px dashed red; }
`;

/** A full HTML page showing the card inside a HubSpot-like record tab frame. */
export function page(title: string, body: string, lang: string): string {
  return `<!doctype html><html lang="${escape(lang)}"><head><meta charset="utf-8"><style>${CSS}</style></head>` +
    `<body><div class="frame"><div class="frame-title">${escape(title)}</div><div class="frame-body">${body}</div></div></body></html>`;
}
