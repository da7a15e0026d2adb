import type { JsonSchema, OpenApiDocument, OpenApiOperation, OpenApiParameter, OpenApiResponse } from './openapi.document';

// The page is rendered on the server from the document: no script, no stylesheet or font from elsewhere, so it works
// offline and under a Content-Security-Policy of `default-src 'none'`.

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d232a;background:#fff}
header{padding:20px 32px;background:#1d232a;color:#fff}header h1{margin:0 0 6px;font-size:22px}
header p{margin:4px 0;max-width:980px;color:#d5dbe1}header a{color:#9fd3ff}
main{display:flex;gap:32px;padding:24px 32px}nav{flex:0 0 300px;font-size:13px}nav ul{list-style:none;padding:0;margin:0 0 14px}
nav li{margin:3px 0}nav a{text-decoration:none;color:#1d232a}nav h2{font-size:13px;text-transform:uppercase;color:#5d6b78;margin:14px 0 6px}
article{flex:1;min-width:0}section.op{border:1px solid #dde3e8;border-radius:6px;margin:0 0 20px;padding:14px 18px}
section.op h3{margin:0 0 6px;font:600 16px ui-monospace,monospace}h2.tag{margin:28px 0 10px;border-bottom:2px solid #dde3e8}
.m{display:inline-block;min-width:44px;text-align:center;border-radius:4px;padding:1px 6px;margin-right:8px;color:#fff;font-size:12px;text-transform:uppercase}
.m-get{background:#1f7a4d}.m-post{background:#1c5fa8}.auth{color:#8a4b00;font-size:13px}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:13px}th,td{border-top:1px solid #e6ebef;padding:4px 8px;text-align:left;vertical-align:top}
th{color:#5d6b78;font-weight:600}code,.t{font-family:ui-monospace,monospace;font-size:12.5px}.t{color:#6b3fa0}.c{color:#5d6b78;font-size:12px}
.req{color:#b3261e}h4{margin:12px 0 4px;font-size:13px;text-transform:uppercase;color:#5d6b78}section.schema{margin:0 0 18px}
section.schema h3{font:600 15px ui-monospace,monospace;margin:0 0 4px}`;

const METHODS = ['get', 'post'] as const;

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Inline `code` spans of the document's descriptions, after escaping. */
function prose(s: string | undefined): string {
  return s ? escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>') : '';
}

const schemaAnchor = (name: string): string => `schema-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
const opAnchor = (op: OpenApiOperation): string => `op-${op.operationId.replace(/[^A-Za-z0-9_-]/g, '_')}`;

function constraints(s: JsonSchema): string[] {
  const out: string[] = [];
  const show = (v: unknown): string => JSON.stringify(v);
  if (Array.isArray(s.enum)) out.push(`one of ${s.enum.map(show).join(', ')}`);
  if (s.const !== undefined) out.push(`always ${show(s.const)}`);
  if (s.format) out.push(String(s.format));
  if (s.minLength !== undefined) out.push(`length >= ${show(s.minLength)}`);
  if (s.maxLength !== undefined) out.push(`length <= ${show(s.maxLength)}`);
  if (s.minimum !== undefined) out.push(`>= ${show(s.minimum)}`);
  if (s.maximum !== undefined) out.push(`<= ${show(s.maximum)}`);
  if (s.minItems !== undefined) out.push(`at least ${show(s.minItems)} items`);
  if (s.maxItems !== undefined) out.push(`at most ${show(s.maxItems)} items`);
  if (s.pattern !== undefined) out.push(`matches /${String(s.pattern)}/`);
  if (s.default !== undefined) out.push(`default ${show(s.default)}`);
  if (s.additionalProperties === false) out.push('no other properties');
  return out;
}

/** A schema as readable HTML: a type line with its constraints, an object's properties as a nested table. */
function schemaHtml(s: JsonSchema): string {
  if (typeof s.$ref === 'string') {
    const name = s.$ref.split('/').pop() ?? s.$ref;
    return `<a class="t" href="#${schemaAnchor(name)}">${escapeHtml(name)}</a>`;
  }
  const described = (html: string): string => (s.description ? `${html} <span class="c">${prose(String(s.description))}</span>` : html);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const parts = s[key];
    if (Array.isArray(parts)) {
      const items = (parts as JsonSchema[]).map(schemaHtml);
      // `T or null` reads better than a list of two
      const nullable = key === 'anyOf' && items.length === 2 && (parts as JsonSchema[]).some((p) => p.type === 'null');
      if (nullable) return described(`${schemaHtml((parts as JsonSchema[]).find((p) => p.type !== 'null') as JsonSchema)} <span class="c">or null</span>`);
      const label = key === 'allOf' ? 'all of' : 'one of';
      return described(`<span class="c">${label}:</span><ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>`);
    }
  }
  const type = Array.isArray(s.type) ? (s.type as string[]).join(' or ') : typeof s.type === 'string' ? s.type : 'any';
  const notes = constraints(s);
  const line = `<span class="t">${escapeHtml(type)}</span>${notes.length ? ` <span class="c">(${escapeHtml(notes.join('; '))})</span>` : ''}`;
  if (s.type === 'array') {
    const items = s.items && typeof s.items === 'object' ? schemaHtml(s.items as JsonSchema) : '<span class="t">any</span>';
    return described(`${line} of ${items}`);
  }
  if (s.type === 'object') {
    const props = s.properties && typeof s.properties === 'object' ? (s.properties as Record<string, JsonSchema>) : {};
    const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
    let html = line;
    const extra = s.additionalProperties;
    if (extra && typeof extra === 'object' && Object.keys(extra).length > 0) html += ` <span class="c">each value:</span> ${schemaHtml(extra as JsonSchema)}`;
    if (Object.keys(props).length > 0) {
      const rows = Object.entries(props)
        .map(([name, p]) => `<tr><td><code>${escapeHtml(name)}</code>${required.has(name) ? ' <span class="req" title="required">*</span>' : ''}</td><td>${schemaHtml(p)}</td></tr>`)
        .join('');
      html += `<table><tr><th>property</th><th>schema</th></tr>${rows}</table>`;
    }
    return described(html);
  }
  return described(line);
}

function parametersHtml(params: readonly OpenApiParameter[]): string {
  const rows = params
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(p.name)}</code>${p.required ? ' <span class="req" title="required">*</span>' : ''}</td><td>${p.in}</td>` +
        `<td>${schemaHtml(p.schema)}</td><td>${prose(p.description)}</td></tr>`,
    )
    .join('');
  return `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>schema</th><th>description</th></tr>${rows}</table>`;
}

function contentHtml(content: Record<string, { schema: JsonSchema }> | undefined): string {
  if (!content) return '';
  return Object.entries(content)
    .map(([type, media]) => `<div><span class="c">${escapeHtml(type)}</span> ${schemaHtml(media.schema)}</div>`)
    .join('');
}

function responsesHtml(responses: Record<string, OpenApiResponse>): string {
  const rows = Object.entries(responses)
    .map(([status, r]) => `<tr><td><code>${escapeHtml(status)}</code></td><td>${prose(r.description)}</td><td>${contentHtml(r.content)}</td></tr>`)
    .join('');
  return `<h4>Responses</h4><table><tr><th>status</th><th>description</th><th>body</th></tr>${rows}</table>`;
}

function operationHtml(method: string, path: string, op: OpenApiOperation): string {
  const parts = [
    `<section class="op" id="${opAnchor(op)}">`,
    `<h3><span class="m m-${method}">${method}</span>${escapeHtml(path)}</h3>`,
    `<div>${prose(op.summary)}</div>`,
    op.description ? `<p>${prose(op.description)}</p>` : '',
    op.security?.length ? '<div class="auth">needs <code>Authorization: Bearer &lt;ADMIN_TOKEN&gt;</code></div>' : '',
    op.parameters?.length ? parametersHtml(op.parameters) : '',
    op.requestBody
      ? `<h4>Request body${op.requestBody.required ? '' : ' (optional)'}</h4>${op.requestBody.description ? `<p>${prose(op.requestBody.description)}</p>` : ''}${contentHtml(op.requestBody.content)}`
      : '',
    responsesHtml(op.responses),
    '</section>',
  ];
  return parts.join('');
}

/**
 * The document as one self-contained HTML page: the operations grouped by tag (method, path, parameters, bodies and
 * responses), then every component schema, cross-linked. It loads nothing: no script, no external stylesheet or font.
 */
export function renderOpenApiPage(doc: OpenApiDocument, documentHref = '/docs/openapi.json'): string {
  const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    METHODS.filter((m) => byMethod[m]).map((m) => ({ method: m, path, op: byMethod[m] as OpenApiOperation })),
  );
  const tags = [...doc.tags.map((t) => t.name), ...new Set(ops.flatMap((o) => o.op.tags).filter((t) => !doc.tags.some((d) => d.name === t)))];
  const inTag = (tag: string) => ops.filter((o) => (o.op.tags.length ? o.op.tags[0] : 'other') === tag);
  const nav = tags
    .map((tag) => {
      const links = inTag(tag)
        .map((o) => `<li><a href="#${opAnchor(o.op)}"><span class="m m-${o.method}">${o.method}</span><code>${escapeHtml(o.path)}</code></a></li>`)
        .join('');
      return links ? `<h2>${escapeHtml(tag)}</h2><ul>${links}</ul>` : '';
    })
    .join('');
  const body = tags
    .map((tag) => {
      const sections = inTag(tag).map((o) => operationHtml(o.method, o.path, o.op));
      if (!sections.length) return '';
      const about = doc.tags.find((t) => t.name === tag)?.description;
      return `<h2 class="tag" id="tag-${escapeHtml(tag)}">${escapeHtml(tag)}${about ? ` <span class="c">${prose(about)}</span>` : ''}</h2>${sections.join('')}`;
    })
    .join('');
  const schemas = Object.entries(doc.components.schemas)
    .map(([name, s]) => `<section class="schema" id="${schemaAnchor(name)}"><h3>${escapeHtml(name)}</h3>${schemaHtml(s)}</section>`)
    .join('');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(doc.info.title)} ${escapeHtml(doc.info.version)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<header><h1>${escapeHtml(doc.info.title)} <span class="c">${escapeHtml(doc.info.version)}, OpenAPI ${escapeHtml(doc.openapi)}</span></h1>`,
    `<p>${prose(doc.info.description)}</p><p>The document itself: <a href="${escapeHtml(documentHref)}">${escapeHtml(documentHref)}</a></p></header>`,
    `<main><nav>${nav}<h2>schemas</h2><ul>${Object.keys(doc.components.schemas)
      .map((n) => `<li><a href="#${schemaAnchor(n)}"><code>${escapeHtml(n)}</code></a></li>`)
      .join('')}</ul></nav>`,
    `<article>${body}<h2 class="tag" id="schemas">schemas</h2>${schemas}</article></main>`,
    '</body></html>',
  ].join('\n');
}
