import { escapeHtml, html, jsonLd } from './html.js';

describe('html templates', () => {
  it('escapes every interpolated text, in element content and in attributes', () => {
    const name = `<script>alert("x")</script> & 'quotes'`;
    expect(html`<p title="${name}">${name}</p>`.markup).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</p>',
    );
  });

  it('keeps markup built with html as markup, and escapes the text inside it once', () => {
    const item = (text: string) => html`<li>${text}</li>`;
    expect(html`<ul>${['a<b', 'c'].map(item)}</ul>`.markup).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
  });

  it('renders nothing for null, undefined and false, and numbers as text', () => {
    expect(html`[${null}${undefined}${false}${0}${12.5}]`.markup).toBe('[012.5]');
  });

  it('escapes the five characters that matter in HTML', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('writes JSON-LD whose text cannot end its script element, and that reads back as the same data', () => {
    const name = '</script><script>alert(1)</script> & <!-- \u2028';
    const markup = jsonLd({ name }).markup;
    const body = markup.slice('<script type="application/ld+json">'.length, -'</script>'.length);
    expect(body).not.toMatch(/[<>&\u2028]/);
    expect(markup.match(/<\/script>/g)).toHaveLength(1);
    expect(JSON.parse(body)).toEqual({ name });
  });
});
