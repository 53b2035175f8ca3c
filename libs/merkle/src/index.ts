/**
 * @module #plaza/merkle
 * The RFC 9162 Merkle tree of Plaza's transparency log: hashing, append-only storage of complete subtrees, roots,
 * inclusion and consistency proofs, and their verification; the log as C2SP tlog-tiles, read from the stored hashes,
 * and a tile client that checks them. Plain TypeScript with no Node-only API: SHA-256 is injected
 * (`new TreeHasher(sha256)`, sync or async), defaulting to WebCrypto, so it runs in Node and the browser.
 * See ../README.md.
 */
export { TreeHasher, webCryptoSha256, equalBytes, type HashFunction } from './hasher.js';
export {
  subtreesOf,
  inclusionRanges,
  consistencyRanges,
  splitPoint,
  type NodeId,
  type LeafRange,
} from './layout.js';
export { MemoryHashStore, type HashStore, type StoredNode } from './store.js';
export { MerkleTree, appendLeafHashes, computeRoot, proveInclusion, proveConsistency } from './tree.js';
export { verifyInclusion, verifyConsistency } from './verify.js';
export {
  TILE_WIDTH,
  TILE_HEIGHT,
  HASH_SIZE,
  MAX_ENTRY_SIZE,
  TilePathError,
  tilePath,
  entryBundlePath,
  parseTilePath,
  tileExists,
  sizesWithTile,
  partialTiles,
  tilesOfSize,
  entryBundleFor,
  readHashTile,
  readEntryBundle,
  encodeEntryBundle,
  decodeEntryBundle,
  serveTiles,
  type TileId,
  type BundleId,
  type TileResource,
  type EntryReader,
  type TileFetcher,
} from './tiles.js';
export {
  TileClient,
  TileVerificationError,
  type TreeHead,
  type TileFailure,
  type TileClientOptions,
  type TreeWalk,
} from './tile-client.js';
