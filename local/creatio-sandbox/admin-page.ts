import type { SandboxStore } from './store';

const escapeHtml = (value: unknown): string =>
  String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const stripTags = (html: string): string =>
  html
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

const nameOf = (store: SandboxStore, collection: string, id: unknown): string => (typeof id === 'string' ? String(store.get(collection, id)?.Name ?? '') : '');

/** A read-only page for humans running `npm start`: cases, newest first, with their activities. */
/** A long body is shortened on the page, never silently: the session link at its end must stay readable in a normal one. */
const PREVIEW_CHARS = 4000;
const previewOf = (text: string): string =>
  text.length <= PREVIEW_CHARS ? text : `${text.slice(0, PREVIEW_CHARS)}… [${text.length - PREVIEW_CHARS} more characters: /_sandbox/api/Activity]`;

export const renderAdminPage = (store: SandboxStore): string => {
  const cases = store.list('Case').sort((a, b) => String(b.CreatedOn).localeCompare(String(a.CreatedOn)));
  const activities = store.list('Activity');
  const files = store.list('ActivityFile');
  const sections = cases
    .map((record) => {
      const rows = activities
        .filter((activity) => activity.CaseId === record.Id)
        .sort((a, b) => String(a.SendDate ?? a.StartDate).localeCompare(String(b.SendDate ?? b.StartDate)))
        .map((activity) => {
          const body = String(activity.Body ?? '');
          const preview = activity.IsHtmlBody ? stripTags(body) : body;
          const attached = files
            .filter((file) => file.ActivityId === activity.Id)
            .map((file) => `<br>📎 <a href="/_sandbox/files/${escapeHtml(file.Id)}">${escapeHtml(file.Name)}</a> (${escapeHtml(file.Size)} bytes)`)
            .join('');
          return `<tr><td>${escapeHtml(activity.SendDate ?? activity.StartDate)}</td><td>${escapeHtml(nameOf(store, 'ActivityType', activity.TypeId))}</td><td>${escapeHtml(nameOf(store, 'EmailType', activity.MessageTypeId))}</td><td>${escapeHtml(activity.Title)}</td><td>${escapeHtml(previewOf(preview))}${attached}</td></tr>`;
        })
        .join('');
      return `<section><h2>${escapeHtml(record.Number)} · ${escapeHtml(record.Subject)}</h2>
<p>Status: <b>${escapeHtml(nameOf(store, 'CaseStatus', record.StatusId))}</b> · Origin: ${escapeHtml(nameOf(store, 'CaseOrigin', record.OriginId))} · Contact: ${escapeHtml(nameOf(store, 'Contact', record.ContactId))} · Registered: ${escapeHtml(record.RegisteredOn)} · Id <code>${escapeHtml(record.Id)}</code></p>
<table><thead><tr><th>When</th><th>Type</th><th>Direction</th><th>Title</th><th>Body</th></tr></thead><tbody>${rows || '<tr><td colspan="5">No activities</td></tr>'}</tbody></table></section>`;
    })
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Creatio sandbox</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px;text-align:left;vertical-align:top}td:last-child{white-space:pre-wrap}section{margin-bottom:2rem}</style></head>
<body><h1>Creatio sandbox</h1><p>${cases.length} case(s), ${store.list('Contact').length} contact(s). JSON: <a href="/_sandbox/api/Case">/_sandbox/api/Case</a>, <a href="/_sandbox/requests">/_sandbox/requests</a>.</p><p>Admin API (POST, JSON): /_sandbox/faults, /_sandbox/latency, /_sandbox/expire-tokens, /_sandbox/reset; described in docs/local-sandboxes.md in the repository. All state is in memory.</p>${sections}</body></html>`;
};
