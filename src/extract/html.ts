// Reads the citations of an HTML document in one streaming pass of htmlparser2
// (cheerio's own parser), without building a tree: markup of any depth costs no
// stack, and every tag and text comes with its exact place in the markup.
import { Parser, type Handler } from 'htmlparser2';
import { attributeValueSpan } from './attribute-span.js';
import { assembleCitations, type EmbeddedPost, type FoundOccurrence } from './citations.js';
import { hostSuffixPositions } from './link-scan.js';
import {
  BLOCK_BREAK,
  LINE_BREAK,
  PlainTextBuilder,
  collapseWhitespace,
  positionsOf,
  printedText,
} from './plain-text.js';
import { findPlainTextCitations } from './plain-text-citations.js';
import type { PostReference } from '../model/index.js';
import { normalizePostId, parseLinkTarget } from './post-url.js';
import { Stretches } from './stretches.js';
import { parseEmbedTrailer } from './trailer.js';
import type { ExtractedDocument } from './types.js';

/** Finds the citations of an HTML document; offsets are indexes into `html`, the decoded markup. */
export function extractFromHtml(html: string): ExtractedDocument {
  return new CitationReader(html).read();
}

// What an open element means to the reader; an element can be several of these.
const ANCHOR = 1;
const EMBED = 2;
const EMBED_PARAGRAPH = 4;
const BLOCK = 8;
const HIDDEN = 16;
const TITLE = 32;
/** A name that may make an element one of the above: looked at more closely. */
const CANDIDATE = 64;

/** Elements whose edges are paragraph breaks: a residue passage never runs across one. */
const BLOCK_ELEMENTS = [
  'address',
  'amp-twitter',
  'article',
  'aside',
  'blockquote',
  'body',
  'caption',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'head',
  'header',
  'hgroup',
  'hr',
  'html',
  'iframe',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
];
/** Elements whose text is not part of the article's text. */
const HIDDEN_ELEMENTS = ['script', 'style', 'template', 'title'];
/** Elements that may cite something, or say something about an embed or the title. */
const CANDIDATE_ELEMENTS = ['a', 'amp-twitter', 'blockquote', 'br', 'iframe', 'meta', 'p', 'twitter-widget'];
/** What an element's name alone says about it: one lookup a tag, and most tags stop there. */
const ROLES_BY_TAG_NAME = new Map<string, number>();
for (const [names, role] of [
  [BLOCK_ELEMENTS, BLOCK],
  [HIDDEN_ELEMENTS, HIDDEN],
  [CANDIDATE_ELEMENTS, CANDIDATE],
] as const) {
  for (const name of names) ROLES_BY_TAG_NAME.set(name, (ROLES_BY_TAG_NAME.get(name) ?? 0) | role);
}
const EMBED_CLASSES = new Set(['twitter-tweet', 'twitter-video']);
/** An embed's trailer sits at its end; this much of its own text is kept to read it from. */
const TRAILER_TEXT_KEPT = 1024;
const TWEET_ID = /^\d{1,20}$/;

interface OpenEmbed {
  post: EmbeddedPost;
  element: 'blockquote' | 'amp-twitter';
  /** For amp-twitter: whether its placeholder blockquote has been taken in as its content. */
  hasPlaceholder: boolean;
  /** Its first <p>, which holds the post's text. */
  paragraph: 'not-seen' | 'open' | 'read';
  paragraphText: string[];
  /** The end of its own text outside its first <p>: the trailer is read from it. */
  trailerText: string;
  /** The last post URL among its own links. */
  statusLink?: PostReference;
}

class CitationReader implements Partial<Handler> {
  /** Reports each event with its place: startIndex and endIndex (inclusive) in the markup. */
  private readonly parser: Parser;
  private readonly plain = new PlainTextBuilder();
  private readonly found: FoundOccurrence[] = [];
  /** One entry per open element: what it means to the reader (the flags above). */
  private readonly openElementRoles: number[] = [];
  /** The occurrence of each open <a> (undefined where it cites nothing). */
  private readonly openAnchors: (FoundOccurrence | undefined)[] = [];
  private readonly openEmbeds: OpenEmbed[] = [];
  /** For each stretch of plain text: the occurrence of the innermost open <a>. */
  private readonly anchorStretches = new Stretches<FoundOccurrence>();
  /** For each stretch of plain text: the innermost open embed. */
  private readonly embedStretches = new Stretches<EmbeddedPost>();
  private hiddenDepth = 0;
  private titleText: string[] | undefined;
  private title: string | undefined;
  private ogTitle: string | undefined;

  constructor(private readonly markup: string) {
    this.parser = new Parser(this);
  }

  read(): ExtractedDocument {
    this.parser.end(this.markup);
    return this.finish();
  }

  onopentagname(): void {
    // Pushed here rather than in onopentag: htmlparser2 reports a close for every
    // name it has opened, even one whose tag the document cut off.
    this.openElementRoles.push(0);
  }

  onopentag(name: string, attributes: Record<string, string>): void {
    let role = ROLES_BY_TAG_NAME.get(name) ?? 0;
    if (role === 0) return;
    if (role & BLOCK) this.plain.addBreak(BLOCK_BREAK, this.parser.startIndex);
    if (role & CANDIDATE) role = this.readCandidate(name, attributes, role & ~CANDIDATE);
    if (role & HIDDEN) {
      this.hiddenDepth++;
      if (name === 'title' && this.title === undefined) {
        role |= TITLE;
        this.titleText = [];
      }
    }
    this.openElementRoles[this.openElementRoles.length - 1] = role;
  }

  /** Reads an element that may cite something; returns its roles. */
  private readCandidate(name: string, attributes: Record<string, string>, role: number): number {
    const embed = this.openEmbeds.at(-1);
    switch (name) {
      case 'a':
        this.openAnchor(attributes['href']);
        return role | ANCHOR;
      case 'blockquote':
        if (!isEmbedBlockquote(attributes['class'])) break;
        if (embed?.element === 'amp-twitter' && !embed.hasPlaceholder) {
          // AMP shows a blockquote of the same post until its script runs: read it as the amp-twitter's content.
          embed.hasPlaceholder = true;
          break;
        }
        this.openEmbed('blockquote');
        return role | EMBED;
      case 'amp-twitter':
        this.openEmbed('amp-twitter', attributes['data-tweetid']);
        return role | EMBED;
      case 'p': {
        if (embed?.paragraph !== 'not-seen') break;
        embed.paragraph = 'open';
        const lang = attributes['lang']?.trim();
        if (lang !== undefined && lang !== '') embed.post.lang = lang;
        return role | EMBED_PARAGRAPH;
      }
      case 'br':
        this.plain.addBreak(LINE_BREAK, this.parser.startIndex);
        if (embed?.paragraph === 'open') embed.paragraphText.push('\n');
        break;
      case 'iframe':
      case 'twitter-widget': {
        const id = renderedEmbedPostId(name, attributes);
        if (id !== undefined) this.addRenderedEmbed(id);
        break;
      }
      case 'meta': {
        const ogTitle = attributes['property'] === 'og:title' ? collapseWhitespace(attributes['content'] ?? '') : '';
        if (ogTitle !== '') this.ogTitle ??= ogTitle;
        break;
      }
    }
    return role;
  }

  ontext(text: string): void {
    if (this.hiddenDepth > 0) {
      this.titleText?.push(text);
      return;
    }
    this.plain.append(text, this.parser.startIndex, this.parser.endIndex + 1);
    const embed = this.openEmbeds.at(-1);
    if (embed === undefined) return;
    if (embed.paragraph === 'open') embed.paragraphText.push(text);
    else {
      embed.trailerText += text;
      if (embed.trailerText.length > 2 * TRAILER_TEXT_KEPT)
        embed.trailerText = embed.trailerText.slice(-TRAILER_TEXT_KEPT);
    }
  }

  onclosetag(): void {
    const role = this.openElementRoles.pop() ?? 0;
    if (role !== 0) this.closeElement(role, this.parser.startIndex);
  }

  /** Closes what the document left open, and reads the citations of its text. */
  finish(): ExtractedDocument {
    while (this.openElementRoles.length > 0) this.closeElement(this.openElementRoles.pop() ?? 0, this.markup.length);
    const { plain } = this;
    findPlainTextCitations(plain, this.found, {
      sourceSpan: (start, end) => {
        const offset = plain.markupStart(start);
        return { offset, raw: this.markup.slice(offset, plain.markupEnd(end)) };
      },
      // Found in the markup, one flat string, rather than in the plain text, which
      // is never joined: the few hits in tags, scripts and attributes map to no text.
      hostSuffixes: this.inPlainText(hostSuffixPositions(this.markup)),
      handleCandidates: this.inPlainText(positionsOf(this.markup, '(@')),
      paragraphAround: (position) => plain.paragraphAround(position),
      lineBreaks: BLOCK_BREAK + LINE_BREAK,
      embedAt: (position) => this.embedStretches.at(position),
      anchorAt: (position) => this.anchorStretches.at(position),
    });
    const title = this.ogTitle ?? (this.title === '' ? undefined : this.title);
    return { ...(title === undefined ? {} : { title }), citations: assembleCitations(this.found, plain) };
  }

  /** The plain-text positions of those markup positions that are text. */
  private *inPlainText(markupPositions: Iterable<number>): Generator<number> {
    for (const markupPosition of markupPositions) {
      const position = this.plain.plainPositionOf(markupPosition);
      if (position !== undefined) yield position;
    }
  }

  private closeElement(role: number, markupPosition: number): void {
    if (role & ANCHOR) {
      this.openAnchors.pop();
      this.anchorStretches.set(this.plain.length, this.openAnchors.at(-1));
    }
    if (role & EMBED_PARAGRAPH) {
      const embed = this.openEmbeds.at(-1);
      if (embed !== undefined) embed.paragraph = 'read';
    }
    if (role & EMBED) {
      const embed = this.openEmbeds.pop();
      if (embed !== undefined) this.closeEmbed(embed);
      this.embedStretches.set(this.plain.length, this.openEmbeds.at(-1)?.post);
    }
    if (role & HIDDEN) this.hiddenDepth--;
    if (role & TITLE) {
      this.title = collapseWhitespace(this.titleText?.join('') ?? '');
      this.titleText = undefined;
    }
    if (role & BLOCK) this.plain.addBreak(BLOCK_BREAK, markupPosition);
  }

  private openAnchor(href: string | undefined): void {
    const target = href === undefined ? undefined : parseLinkTarget(href);
    // At onopentag, startIndex is where the tag starts and endIndex where its `>` is.
    const { startIndex, endIndex } = this.parser;
    const hrefSpan = target === undefined ? undefined : attributeValueSpan(this.markup, startIndex, endIndex, 'href');
    const embed = this.openEmbeds.at(-1);
    let occurrence: FoundOccurrence | undefined;
    if (target !== undefined && hrefSpan !== undefined) {
      occurrence = {
        form: target.kind === 'post' ? 'post-url' : target.form,
        raw: this.markup.slice(hrefSpan.start, hrefSpan.end),
        offset: hrefSpan.start,
        plainPosition: this.plain.length,
        target,
        ...(embed === undefined ? {} : { container: embed.post }),
      };
      this.found.push(occurrence);
      if (embed !== undefined && target.kind === 'post') embed.statusLink = target;
    }
    this.openAnchors.push(occurrence);
    this.anchorStretches.set(this.plain.length, occurrence);
  }

  private openEmbed(element: OpenEmbed['element'], tweetId?: string): void {
    const outer = this.openEmbeds.at(-1);
    const post: EmbeddedPost = { embed: {} };
    const id = tweetId?.trim();
    if (id !== undefined && TWEET_ID.test(id)) post.id = normalizePostId(id);
    const { startIndex, endIndex } = this.parser;
    this.found.push({
      form: 'embed',
      raw: this.markup.slice(startIndex, endIndex + 1),
      offset: startIndex,
      plainPosition: this.plain.length,
      target: { kind: 'embedded-post', post },
      ...(outer === undefined ? {} : { container: outer.post }),
    });
    this.openEmbeds.push({
      post,
      element,
      hasPlaceholder: false,
      paragraph: 'not-seen',
      paragraphText: [],
      trailerText: '',
    });
    this.embedStretches.set(this.plain.length, post);
  }

  /**
   * An embed as widgets.js leaves it once it has run: the post's frame, which holds
   * nothing a saved page keeps (its text, author and date are inside the frame's
   * own document), so the citation has the id alone.
   */
  private addRenderedEmbed(id: string): void {
    const outer = this.openEmbeds.at(-1);
    const { startIndex, endIndex } = this.parser;
    this.found.push({
      form: 'embed',
      raw: this.markup.slice(startIndex, endIndex + 1),
      offset: startIndex,
      plainPosition: this.plain.length,
      target: { kind: 'embedded-post', post: { id, embed: {} } },
      ...(outer === undefined ? {} : { container: outer.post }),
    });
  }

  private closeEmbed(embed: OpenEmbed): void {
    const trailer = parseEmbedTrailer(embed.trailerText);
    const text = embed.paragraph === 'not-seen' ? trailer.textBefore : printedText(embed.paragraphText.join(''));
    const { post } = embed;
    if (trailer.authorName !== undefined) post.embed.authorName = trailer.authorName;
    if (trailer.handle !== undefined) post.embed.handle = trailer.handle;
    if (trailer.date !== undefined) post.embed.date = trailer.date;
    if (trailer.dateText !== undefined) post.embed.dateText = trailer.dateText;
    if (text !== undefined && text !== '') post.embed.text = text;
    if (post.id === undefined && embed.statusLink !== undefined) post.id = embed.statusLink.id;
  }
}

function isEmbedBlockquote(classAttribute: string | undefined): boolean {
  return classAttribute?.split(/[ \t\n\f\r]+/).some((name) => EMBED_CLASSES.has(name)) ?? false;
}

/** The page widgets.js frames a post in: `https://platform.twitter.com/embed/Tweet.html?…&id=<id>&…`. */
const RENDERED_EMBED_PAGE = /^(?:https?:)?\/\/platform\.(?:twitter|x)\.com\/embed\/Tweet\.html\?/i;
const ID_PARAMETER = /[?&]id=(\d{1,20})(?:&|#|$)/;

/**
 * The post of an embed widgets.js has rendered: an <iframe> of its Tweet.html
 * page, or (2016 to 2018) a <twitter-widget class="twitter-tweet …">, whose
 * `data-tweet-id` names it. widgets.js writes the id twice, in the attribute and in
 * the page's `id` parameter, and a frame is read only where the two agree: a frame
 * of any other page (a timeline, a template's `id={id}`), or one written by hand
 * with the page's URL alone, is not an embed this reader vouches for.
 */
function renderedEmbedPostId(name: string, attributes: Record<string, string>): string | undefined {
  const dataId = attributes['data-tweet-id']?.trim();
  if (dataId === undefined || !TWEET_ID.test(dataId)) return undefined;
  if (name === 'twitter-widget') return isEmbedBlockquote(attributes['class']) ? normalizePostId(dataId) : undefined;
  const src = attributes['src']?.trim() ?? '';
  if (!RENDERED_EMBED_PAGE.test(src)) return undefined;
  const srcId = ID_PARAMETER.exec(src)?.[1];
  return srcId !== undefined && normalizePostId(srcId) === normalizePostId(dataId)
    ? normalizePostId(dataId)
    : undefined;
}
