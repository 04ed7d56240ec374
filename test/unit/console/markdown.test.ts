import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMarkdown } from '../../../src/console/markdown.ts';

describe('renderMarkdown (a requester’s reason)', () => {
  it('renders emphasis, lists, code and links', () => {
    const html = renderMarkdown('Needs **read** access:\n\n- `orders`\n- [SHOP-42](https://t.example.com/SHOP-42)');
    assert.match(html, /<strong>read<\/strong>/);
    assert.match(html, /<li><code>orders<\/code><\/li>/);
    assert.match(html, /<a href="https:\/\/t\.example\.com\/SHOP-42" rel="noopener noreferrer nofollow">SHOP-42<\/a>/);
  });

  it('keeps raw HTML as text and drops script links, images and handlers', () => {
    const html = renderMarkdown('<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) ![i](https://evil.example.com/t.png) <a href="https://e.example.com" onclick="alert(4)">a</a>');
    assert.doesNotMatch(html, /<(script|img)\b/);
    assert.doesNotMatch(html, /href="javascript/);
    assert.doesNotMatch(html, /<[^>]*\son\w+=/, 'no event handler attribute in any tag');
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('puts headings below the page’s own and returns nothing for no reason', () => {
    assert.match(renderMarkdown('# Big'), /^<h3>Big<\/h3>$/);
    assert.equal(renderMarkdown(undefined), '');
    assert.equal(renderMarkdown(''), '');
  });
});
