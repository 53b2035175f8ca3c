import { WitnessRepository } from '../../apps/registry/src/witness/witness.repository.js';
import { type RegistryContext, startRegistryContext } from './support/registry-context.js';

/**
 * The witness's state on the database: what it holds for a log only ever advances from the size a request was judged
 * against, so of two requests judged against one held tree, exactly one moves it.
 */
describe('the witness state: repository on the database', () => {
  let ctx: RegistryContext;
  let witness: WitnessRepository;
  beforeAll(async () => {
    ctx = await startRegistryContext();
    witness = ctx.get(WitnessRepository);
  });
  afterAll(() => ctx.close());

  const tree = (size: number, fill: number) => ({ size, rootHash: new Uint8Array(32).fill(fill), note: `note of size ${size}\n` });

  it('advances a log held at the size a request judged, and refuses one judged against a size since overtaken', async () => {
    const origin = `int-witness-${Date.now()}.plaza.test/log`;
    expect(await witness.held(origin)).toBeNull();
    expect(await witness.advance(origin, 0, tree(5, 1))).toBe(true);
    expect(await witness.advance(origin, 5, tree(8, 2))).toBe(true);
    // A second request judged against size 5 (a fork of the same length, say) comes too late.
    expect(await witness.advance(origin, 5, tree(8, 3))).toBe(false);
    // And a first checkpoint for a log already held does not start it again.
    expect(await witness.advance(origin, 0, tree(3, 4))).toBe(false);
    expect(await witness.held(origin)).toEqual({ size: 8, rootHash: new Uint8Array(32).fill(2) });
  });
});
