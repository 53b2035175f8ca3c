import { addMember, bearer, newVersion, organisationBody, proposalBody } from './support/fixtures.js';
import { describeOnServer, startTestApp, type TestApp, uniqueSlug } from './support/test-app.js';

/** A coalition city whose admin is also a standards editor. */
async function coalitionMember(t: TestApp, base: string): Promise<{ slug: string; key: string }> {
  const slug = uniqueSlug(base);
  await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(organisationBody(slug, 'city', { coalitionMember: true })).expect(201);
  return { slug, key: (await addMember(t, slug, t.operatorKey, ['admin', 'standards-editor'])).key };
}

describe('proposals', () => {
  let t: TestApp;
  let a: { slug: string; key: string };
  let b: { slug: string; key: string };
  let c: { slug: string; key: string };
  beforeAll(async () => {
    // The electorate is every coalition member: on a server database other suites add theirs (the organisations
    // suite, the authorisation matrix's city A), who never vote here. A quorum of 10% keeps the three voters
    // below enough for up to 30 of them; 'rejects a proposal without a quorum' still has none.
    t = await startTestApp({ PLAZA_VOTING_QUORUM_PERCENT: '10', PLAZA_VOTING_PERIOD_HOURS: '0' });
    [a, b, c] = [await coalitionMember(t, 'coal-a'), await coalitionMember(t, 'coal-b'), await coalitionMember(t, 'coal-c')];
  });
  afterAll(() => t.close());

  it('imports the written proposals with the standards', async () => {
    const res = await t.http.get('/api/v1/proposals?status=accepted&standard=noise-level-observation').expect(200);
    const files = res.body.items.filter((p: { origin: string }) => p.origin === 'file');
    expect(files.map((p: { version: string }) => p.version).sort()).toEqual(['1.0.0', '1.1.0']);
    expect(files[0].title).toEqual({ en: expect.any(String), fr: expect.any(String) });
  });

  it('runs from draft to a published version: report at submission, reviews, votes, decision, publication', async () => {
    const content = newVersion('noise-level-observation', '1.1.0', '1.2.0', (s) => {
      s.properties.comment = { type: 'string', maxLength: 200, description: 'Free note from the operator' };
    });
    const draft = (await t.http.post('/api/v1/proposals').set(bearer(a.key)).send(proposalBody('noise-level-observation', '1.2.0', content)).expect(201)).body;
    expect(draft).toMatchObject({ status: 'draft', authors: [a.slug], compatibility: null });
    const n = draft.number;

    const submitted = (await t.http.post(`/api/v1/proposals/${n}/submit`).set(bearer(a.key)).expect(200)).body;
    expect(submitted.status).toBe('review');
    expect(submitted.compatibility).toMatchObject({ mode: 'BACKWARD_TRANSITIVE', compatible: true, backwardTransitive: true, latest: '1.1.0' });
    expect(submitted.compatibility.versions.map((v: { version: string }) => v.version)).toEqual(['1.0.0', '1.1.0']);

    await t.http.post(`/api/v1/proposals/${n}/reviews`).set(bearer(b.key)).send({ verdict: 'approve', comment: 'Looks right.' }).expect(201);
    await t.http.put(`/api/v1/proposals/${n}/vote`).set(bearer(b.key)).send({ choice: 'yes' }).expect(409);
    await t.http.post(`/api/v1/proposals/${n}/voting`).set(bearer(b.key)).expect(200);
    await t.http.put(`/api/v1/proposals/${n}/vote`).set(bearer(a.key)).send({ choice: 'no' }).expect(200);
    await t.http.put(`/api/v1/proposals/${n}/vote`).set(bearer(a.key)).send({ choice: 'yes' }).expect(200);
    await t.http.put(`/api/v1/proposals/${n}/vote`).set(bearer(b.key)).send({ choice: 'yes' }).expect(200);
    const voting = (await t.http.put(`/api/v1/proposals/${n}/vote`).set(bearer(c.key)).send({ choice: 'abstain' }).expect(200)).body;
    expect(voting.tally).toMatchObject({ yes: 2, no: 0, abstain: 1 });

    const decided = (await t.http.post(`/api/v1/proposals/${n}/decision`).set(bearer(c.key)).expect(200)).body;
    expect(decided).toMatchObject({ status: 'accepted', decision: { outcome: 'accepted', yes: 2, no: 0, abstain: 1, quorumMet: true } });
    const published = await t.http.get('/standards/noise-level-observation/1.2.0/schema.json').expect(200);
    expect(JSON.parse(published.text)).toEqual(content.schema);
    const version = (await t.http.get('/api/v1/standards/noise-level-observation/versions/1.2.0').expect(200)).body;
    expect(version).toMatchObject({ origin: 'proposal', proposal: n, status: 'published' });
    await t.http.put(`/api/v1/proposals/${n}/vote`).set(bearer(a.key)).send({ choice: 'no' }).expect(409);
  });

  it('refuses a minor version that breaks compatibility, listing the reasons, and keeps it a draft', async () => {
    const content = newVersion('parking-occupancy', '1.1.0', '1.2.0', (s) => {
      s.required = [...(s.required ?? []), 'totalSpaces'];
    });
    for (const [name, data] of Object.entries(content.examples.valid)) if (!('totalSpaces' in (data as object))) delete content.examples.valid[name];
    const { number } = (await t.http.post('/api/v1/proposals').set(bearer(a.key)).send(proposalBody('parking-occupancy', '1.2.0', content)).expect(201)).body;
    const res = await t.http.post(`/api/v1/proposals/${number}/submit`).set(bearer(a.key)).expect(422);
    expect(res.body.code).toBe('proposal.version_contradicts_report');
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ kind: expect.any(String), detail: expect.stringContaining('totalSpaces') })]));
    expect((await t.http.get(`/api/v1/proposals/${number}`).expect(200)).body.status).toBe('draft');
  });

  it('refuses an untrusted schema with a remote $ref, and examples the schema contradicts', async () => {
    const remote = newVersion('traffic-flow-observation', '1.1.0', '1.2.0', (s) => {
      s.properties.extra = { $ref: 'https://evil.example/schema.json' };
    });
    const p1 = (await t.http.post('/api/v1/proposals').set(bearer(a.key)).send(proposalBody('traffic-flow-observation', '1.2.0', remote)).expect(201)).body;
    expect((await t.http.post(`/api/v1/proposals/${p1.number}/submit`).set(bearer(a.key)).expect(422)).body.code).toBe('proposal.schema_refused');
    const lying = newVersion('traffic-flow-observation', '1.1.0', '1.2.0', () => undefined);
    lying.examples.invalid.accepted = Object.values(lying.examples.valid)[0];
    const p2 = (await t.http.post('/api/v1/proposals').set(bearer(a.key)).send(proposalBody('traffic-flow-observation', '1.2.0', lying)).expect(201)).body;
    expect((await t.http.post(`/api/v1/proposals/${p2.number}/submit`).set(bearer(a.key)).expect(422)).body.code).toBe('proposal.examples_disagree');
  });

  it('lets only the authors edit, submit and withdraw, and only coalition members run votes', async () => {
    const vendor = uniqueSlug('vendor');
    await t.http.post('/api/v1/organisations').set(bearer(t.operatorKey)).send(organisationBody(vendor, 'vendor')).expect(201);
    const outsider = await addMember(t, vendor, t.operatorKey, ['admin', 'standards-editor']);
    const content = newVersion('air-quality-observation', '1.1.0', '1.2.0', () => undefined);
    const { number } = (await t.http.post('/api/v1/proposals').set(bearer(outsider.key)).send(proposalBody('air-quality-observation', '1.2.0', content)).expect(201)).body;
    expect((await t.http.post(`/api/v1/proposals/${number}/submit`).set(bearer(a.key)).expect(403)).body.code).toBe('proposal.not_author');
    await t.http.post(`/api/v1/proposals/${number}/submit`).set(bearer(outsider.key)).expect(200);
    expect((await t.http.post(`/api/v1/proposals/${number}/voting`).set(bearer(outsider.key)).expect(403)).body.code).toBe('proposal.not_coalition_member');
    await t.http.post(`/api/v1/proposals/${number}/voting`).set(bearer(a.key)).expect(200);
    expect((await t.http.put(`/api/v1/proposals/${number}/vote`).set(bearer(outsider.key)).send({ choice: 'yes' }).expect(403)).body.code).toBe('proposal.not_in_electorate');
    await t.http.post(`/api/v1/proposals/${number}/withdraw`).set(bearer(outsider.key)).expect(200);
    expect((await t.http.post(`/api/v1/proposals/${number}/decision`).set(bearer(a.key)).expect(409)).body.code).toBe('proposal.wrong_status');
  });

  it('rejects a proposal without a quorum', async () => {
    const content = newVersion('air-quality-observation', '1.1.0', '1.2.0', () => undefined);
    const { number } = (await t.http.post('/api/v1/proposals').set(bearer(a.key)).send(proposalBody('air-quality-observation', '1.2.0', content)).expect(201)).body;
    await t.http.post(`/api/v1/proposals/${number}/submit`).set(bearer(a.key)).expect(200);
    await t.http.post(`/api/v1/proposals/${number}/voting`).set(bearer(a.key)).expect(200);
    const decided = (await t.http.post(`/api/v1/proposals/${number}/decision`).set(bearer(a.key)).expect(200)).body;
    expect(decided).toMatchObject({ status: 'rejected', decision: { outcome: 'rejected', quorumMet: false } });
    await t.http.get('/standards/air-quality-observation/1.2.0/schema.json').expect(404);
  });

  describeOnServer('racing acceptances (server database)', () => {
    it('never publishes the same version number twice: the later one returns to review', async () => {
      const numbers: number[] = [];
      for (const maximum of [150, 160]) {
        const content = newVersion('traffic-flow-observation', '1.1.0', '1.3.0', (s) => {
          s.properties.note = { type: 'string', maxLength: maximum };
        });
        const { number } = (await t.http.post('/api/v1/proposals').set(bearer(a.key)).send(proposalBody('traffic-flow-observation', '1.3.0', content)).expect(201)).body;
        await t.http.post(`/api/v1/proposals/${number}/submit`).set(bearer(a.key)).expect(200);
        await t.http.post(`/api/v1/proposals/${number}/voting`).set(bearer(a.key)).expect(200);
        for (const voter of [a, b, c]) await t.http.put(`/api/v1/proposals/${number}/vote`).set(bearer(voter.key)).send({ choice: 'yes' }).expect(200);
        numbers.push(number);
      }
      const results = await Promise.all(numbers.map((n) => t.http.post(`/api/v1/proposals/${n}/decision`).set(bearer(b.key))));
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      expect(results.map((r) => r.body.status).sort()).toEqual(['accepted', 'review']);
      const versions = (await t.http.get('/api/v1/standards/traffic-flow-observation').expect(200)).body.versions.map((v: { version: string }) => v.version);
      expect(versions.filter((v: string) => v === '1.3.0')).toHaveLength(1);
    });
  });

  it('refuses example names that could not be file names', async () => {
    const content = newVersion('air-quality-observation', '1.1.0', '1.2.0', () => undefined);
    content.examples.valid['Not A File Name!'] = Object.values(content.examples.valid)[0];
    const { number } = (await t.http.post('/api/v1/proposals').set(bearer(a.key)).send(proposalBody('air-quality-observation', '1.2.0', content)).expect(201)).body;
    const res = await t.http.post(`/api/v1/proposals/${number}/submit`).set(bearer(a.key)).expect(400);
    expect(res.body).toMatchObject({ code: 'proposal.invalid_example_name', errors: [{ pointer: '#/examples/valid/Not A File Name!' }] });
  });

  it('answers a proposal number out of range with 400, not a database error', async () => {
    expect((await t.http.get('/api/v1/proposals/99999999999').expect(400)).body.code).toBe('request.invalid');
    expect((await t.http.get('/api/v1/proposals/0').expect(400)).body.code).toBe('request.invalid');
  });
});

describe('closing a vote', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PLAZA_VOTING_PERIOD_HOURS: '168' });
  });
  afterAll(() => t.close());

  it('waits for the whole electorate or the end of the voting period: one member cannot decide alone', async () => {
    const a = await coalitionMember(t, 'close-a');
    await coalitionMember(t, 'close-b'); // in the electorate, and silent
    const content = newVersion('air-quality-observation', '1.1.0', '1.2.0', () => undefined);
    const { number } = (await t.http.post('/api/v1/proposals').set(bearer(a.key)).send(proposalBody('air-quality-observation', '1.2.0', content)).expect(201)).body;
    await t.http.post(`/api/v1/proposals/${number}/submit`).set(bearer(a.key)).expect(200);
    await t.http.post(`/api/v1/proposals/${number}/voting`).set(bearer(a.key)).expect(200);
    await t.http.put(`/api/v1/proposals/${number}/vote`).set(bearer(a.key)).send({ choice: 'yes' }).expect(200);
    const res = await t.http.post(`/api/v1/proposals/${number}/decision`).set(bearer(a.key)).expect(409);
    expect(res.body.code).toBe('proposal.voting_still_open');
    expect(res.body.detail).toMatch(/^1 of \d+ organisations have voted/);
    expect((await t.http.get(`/api/v1/proposals/${number}`).expect(200)).body.status).toBe('voting');
  });
});
