// The pages' templates, rendered with Eta: `<%= %>` escapes (the only form used for
// anything that comes from a record or an archive), `<%~ %>` is raw and used only to
// place one rendered template inside another. The templates live here, as strings,
// so the build needs no step to copy them beside the compiled code.

import { Eta } from 'eta';
import type { DocumentListView, DocumentView, ErrorView, ReplayView } from './view-models.js';

const LAYOUT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.title %> · citesnap</title>
<link rel="stylesheet" href="/assets/citesnap.css">
<% if (it.script) { %><script src="<%= it.script %>"></script><% } %>
</head>
<body<% if (it.bodyClass) { %> class="<%= it.bodyClass %>"<% } %>>
<header class="site"><a href="/">citesnap</a> <span class="muted">archive, read-only</span></header>
<main>
<%~ it.body %>
</main>
</body>
</html>
`;

const DOCUMENT_LIST = `<% layout('@layout', { title: 'Documents' }) %>
<h1>Documents</h1>
<p class="muted"><%= it.total %> document<%= it.total === 1 ? '' : 's' %>, newest first<% if (it.pages > 1) { %>; page <%= it.page %> of <%= it.pages %><% } %>.</p>
<% if (it.rows.length === 0) { %><p>Nothing here yet: archive an article with <code>citesnap archive</code>.</p><% } else { %>
<table class="documents">
<thead><tr><th>Document</th><th>Processed</th><th>Citations</th></tr></thead>
<tbody>
<% it.rows.forEach(function (row) { %>
<tr>
<td><a href="<%= row.href %>"><%= row.label %></a><div class="muted small"><%= row.docId %><% if (row.label !== row.source) { %> · <%= row.source %><% } %></div></td>
<td><time datetime="<%= row.processedAt %>"><%= row.processedAtText %></time></td>
<td><% row.counts.forEach(function (count) { %><span class="badge status-<%= count.status %>"><%= count.count %> <%= count.word %></span> <% }) %><% if (row.counts.length === 0) { %><span class="muted">none found</span><% } %></td>
</tr>
<% }) %>
</tbody>
</table>
<% } %>
<nav class="pager">
<% if (it.previous) { %><a rel="prev" href="<%= it.previous %>">← newer</a><% } %>
<% if (it.next) { %><a rel="next" href="<%= it.next %>">older →</a><% } %>
</nav>
`;

const DOCUMENT = `<% layout('@layout', { title: it.title }) %>
<h1><%= it.title %></h1>
<p class="muted"><%= it.docId %> · <%= it.source %> · processed <time datetime="<%= it.processedAt %>"><%= it.processedAtText %></time></p>
<p class="actions"><a href="<%= it.waczHref %>" download>Download the WACZ</a> <a href="<%= it.replayHref %>">Replay the captures</a> <a href="<%= it.recordHref %>">The record (JSON)</a></p>
<p><% it.counts.forEach(function (count) { %><span class="badge status-<%= count.status %>"><%= count.count %> <%= count.word %></span> <% }) %></p>

<h2>Citations</h2>
<% if (it.citations.length === 0) { %><p>No citations were found in this article.</p><% } %>
<ol class="citations">
<% it.citations.forEach(function (c) { %>
<li class="citation status-<%= c.status %>" id="<%= c.anchor %>" data-citation-id="<%= c.id %>">
<div class="citation-head"><span class="badge status-<%= c.status %>"><%= c.statusWord %></span> <span class="muted"><%= c.kind %><% if (c.parentAnchor) { %>, inside <a href="#<%= c.parentAnchor %>">citation <%= c.parentNumber %></a><% } %></span>
<span class="muted small">found <% c.occurrences.forEach(function (o, i) { %><a href="#<%= o.anchor %>"><%= o.form %></a><%= i + 1 < c.occurrences.length ? ', ' : '' %><% }) %></span></div>
<% if (c.post) { const p = c.post; %>
<article class="post"<% if (p.lang) { %> lang="<%= p.lang %>"<% } %>>
<div class="author"><strong><%= p.authorName %></strong><% if (p.handle) { %> <span class="handle">@<%= p.handle %></span><% } %><% if (p.date) { %> · <time datetime="<%= p.date %>"><%= p.dateText %></time><% } %></div>
<% if (p.text !== undefined) { %><p class="post-text" dir="auto"><%= p.text %></p><% } else { %><p class="muted">The post's text was not captured.</p><% } %>
<% if (p.photos.length > 0) { %><div class="photos"><% p.photos.forEach(function (photo) { %><a href="<%= photo.src %>"><img src="<%= photo.src %>" alt="<%= photo.alt %>" loading="lazy"></a><% }) %></div><% } %>
<% if (p.otherMedia.length > 0) { %><p class="small">Also: <% p.otherMedia.forEach(function (m) { %><%= m %> <% }) %></p><% } %>
<% if (p.quote) { %><p class="quote quote-<%= p.quote.verdict %>">Quoted in the article: <strong><%= p.quote.word %></strong> (similarity <%= p.quote.similarity %>)</p><% } %>
<% if (p.embedText !== undefined) { %><details><summary>As printed in the article</summary><blockquote dir="auto"><%= p.embedText %></blockquote><% if (p.embedTrailer) { %><p class="small muted"><%= p.embedTrailer %></p><% } %></details><% } %>
<p class="small muted"><% if (p.urlHref) { %><a href="<%= p.urlHref %>" rel="noreferrer noopener"><%= p.url %></a><% } else if (p.url) { %><%= p.url %><% } %><% if (p.identifiedBy) { %> · identified by <%= p.identifiedBy %><% } %><% if (p.editIds) { %> · edited: versions <%= p.editIds %><% } %></p>
</article>
<% } %>
<% if (c.link) { const l = c.link; %>
<div class="link">
<% if (l.title) { %><p class="page-title"><%= l.title %></p><% } %>
<p class="small">Cited as <% if (l.urlHref) { %><a href="<%= l.urlHref %>" rel="noreferrer noopener"><%= l.url %></a><% } else { %><%= l.url %><% } %><% if (l.finalUrl && l.finalUrl !== l.url) { %><br>leads to <% if (l.finalUrlHref) { %><a href="<%= l.finalUrlHref %>" rel="noreferrer noopener"><%= l.finalUrl %></a><% } else { %><%= l.finalUrl %><% } %><% } %><% if (l.httpStatus !== undefined) { %> (HTTP <%= l.httpStatus %>)<% } %></p>
<% if (l.hops.length > 1) { %><details><summary><%= l.hops.length %> requests</summary><ol class="hops small"><% l.hops.forEach(function (h) { %><li><%= h.status === 0 ? 'no answer' : h.status %> <%= h.url %><% if (h.via !== 'http') { %> (<%= h.via %>)<% } %></li><% }) %></ol></details><% } %>
</div>
<% } %>
<% if (c.error) { %><p class="error small"><%= c.error %></p><% } %>
<% if (c.capture) { %><p class="small muted">Captured <time datetime="<%= c.capture.at %>"><%= c.capture.atText %></time> via <%= c.capture.via %><% if (c.capture.truncated) { %>, cut short at the size limit<% } %>.</p><% } %>
<ol class="timeline small">
<% c.checks.forEach(function (check) { %><li class="status-<%= check.status %>"><time datetime="<%= check.at %>"><%= check.atText %></time> <%= check.word %><% if (check.detail) { %> <span class="muted">(<%= check.detail %>)</span><% } %></li><% }) %>
</ol>
</li>
<% }) %>
</ol>

<h2>The article</h2>
<% if (it.article) { %>
<div class="article-text"><% it.article.forEach(function (piece) { %><% if (piece.mark) { %><mark class="status-<%= piece.mark.status %>"<% if (piece.mark.anchor) { %> id="<%= piece.mark.anchor %>"<% } %>><a href="#<%= piece.mark.citationAnchor %>"><%= piece.text %></a></mark><% } else { %><%= piece.text %><% } %><% }) %></div>
<% } else { %>
<p class="muted">The article's text was not kept with this record (archived before citesnap kept it); each occurrence in its context:</p>
<ul class="contexts"><% it.contexts.forEach(function (context) { %><li id="<%= context.anchor %>"><a href="#<%= context.citationAnchor %>"><%= context.form %></a>: <%= context.before %><mark class="status-<%= context.status %>"><%= context.raw %></mark><%= context.after %></li><% }) %></ul>
<% } %>
`;

const REPLAY = `<% layout('@layout', { title: 'Replay: ' + it.title, script: '/replay/ui.js', bodyClass: 'replay' }) %>
<p><a href="<%= it.documentHref %>">← <%= it.title %></a></p>
<replay-web-page source="<%= it.waczHref %>" replaybase="/replay/"<% if (it.url) { %> url="<%= it.url %>"<% } %>></replay-web-page>
`;

const ERROR = `<% layout('@layout', { title: it.heading }) %>
<h1><%= it.heading %></h1>
<p><%= it.message %></p>
<p><a href="/">All documents</a></p>
`;

export const STYLESHEET = `:root { color-scheme: light; font-family: system-ui, sans-serif; line-height: 1.45; }
body { margin: 0; color: #1b1b1b; background: #fafafa; }
header.site { padding: .6rem 1.2rem; background: #1f2a37; color: #fff; }
header.site a { color: #fff; font-weight: bold; text-decoration: none; margin-right: .6rem; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
body.replay main { max-width: none; }
replay-web-page { display: block; height: 80vh; border: 1px solid #ccc; }
.muted { color: #5b6470; } .small { font-size: .88rem; }
table.documents { width: 100%; border-collapse: collapse; }
table.documents th, table.documents td { text-align: left; padding: .45rem .4rem; border-bottom: 1px solid #e2e2e2; vertical-align: top; }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: .6rem; font-size: .82rem; color: #fff; background: #5b6470; margin: .1rem 0; }
.badge.status-archived { background: #1f7a3a; }
.badge.status-deleted, .badge.status-suspended, .badge.status-dead { background: #b42318; }
.badge.status-protected, .badge.status-unavailable, .badge.status-failed { background: #b54708; }
.badge.status-blocked { background: #6941c6; }
.badge.status-unidentified { background: #5b6470; }
ol.citations { padding-left: 1.4rem; }
li.citation { background: #fff; border: 1px solid #e2e2e2; border-left: .35rem solid #5b6470; padding: .6rem .8rem; margin: .8rem 0; }
li.citation.status-archived { border-left-color: #1f7a3a; }
li.citation.status-deleted, li.citation.status-suspended, li.citation.status-dead { border-left-color: #b42318; }
li.citation.status-protected, li.citation.status-unavailable, li.citation.status-failed { border-left-color: #b54708; }
li.citation.status-blocked { border-left-color: #6941c6; }
.post .handle { color: #5b6470; }
.post-text { white-space: pre-wrap; overflow-wrap: anywhere; }
.photos img { max-width: 100%; max-height: 22rem; border-radius: .4rem; margin: .3rem .3rem 0 0; }
.quote-verbatim strong { color: #1f7a3a; } .quote-close strong { color: #b54708; } .quote-differs strong { color: #b42318; }
.page-title { font-weight: bold; margin: .2rem 0; }
.error { color: #b42318; }
a { overflow-wrap: anywhere; }
ol.timeline { list-style: none; padding-left: .8rem; border-left: 2px solid #d0d5dd; }
ol.timeline li::before { content: "●"; margin-left: -1.15rem; margin-right: .45rem; color: #5b6470; }
ol.timeline li.status-archived::before { color: #1f7a3a; }
ol.timeline li.status-deleted::before, ol.timeline li.status-suspended::before, ol.timeline li.status-dead::before { color: #b42318; }
.article-text { white-space: pre-wrap; background: #fff; border: 1px solid #e2e2e2; padding: 1rem; overflow-wrap: anywhere; }
mark { background: #fff1a8; } mark a { color: inherit; }
mark.status-deleted, mark.status-suspended, mark.status-dead { background: #fde2e0; }
mark:target, li.citation:target { outline: 2px solid #1f2a37; }
.actions a { margin-right: 1rem; }
.pager a { margin-right: 1rem; }
`;

const eta = new Eta({ autoEscape: true, autoTrim: false, useWith: false, cache: true });
eta.loadTemplate('@layout', LAYOUT);
eta.loadTemplate('@documents', DOCUMENT_LIST);
eta.loadTemplate('@document', DOCUMENT);
eta.loadTemplate('@replay', REPLAY);
eta.loadTemplate('@error', ERROR);

export function renderDocumentList(view: DocumentListView): string {
  return eta.render('@documents', view);
}

export function renderDocument(view: DocumentView): string {
  return eta.render('@document', view);
}

export function renderReplay(view: ReplayView): string {
  return eta.render('@replay', view);
}

export function renderError(view: ErrorView): string {
  return eta.render('@error', view);
}
