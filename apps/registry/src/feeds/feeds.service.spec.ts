import { tagPrefix } from './feeds.service.js';

describe('the feeds\' tag IRIs (RFC 4151)', () => {
  const began = new Date('2026-03-04T05:06:07Z');

  it('name the public URL\'s host, the day the journal began and the URL\'s path', () => {
    expect(tagPrefix('https://plaza.example', began)).toBe('tag:plaza.example,2026-03-04:');
    expect(tagPrefix('https://city.example:8443/plaza/register/', began)).toBe('tag:city.example,2026-03-04:plaza/register/');
  });
});
