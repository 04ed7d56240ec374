// A request's reason is markdown written by the requester: untrusted. markdown-it renders it with
// raw HTML off, and sanitize-html then keeps only a small set of tags and attributes (no scripts,
// styles, images or event handlers; links only to http(s) and mailto, opened without a referrer).
// The console page and the notification e-mail render it with this one function.
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

const policy: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'strong', 'em', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'h3', 'h4', 'h5', 'h6', 'hr', 'del', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  allowedAttributes: { a: ['href', 'title', 'rel', 'target'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  // Headings of a reason sit below the page's own h1/h2.
  transformTags: {
    h1: 'h3',
    h2: 'h4',
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow' }),
  },
  disallowedTagsMode: 'discard',
};

/** Safe HTML for markdown `text` (an empty string for none). */
export function renderMarkdown(text: string | undefined): string {
  if (!text) return '';
  return sanitizeHtml(markdown.render(text), policy).trim();
}
