// The witness feature's port: what the composition root wires. Everything else in this folder is internal.
export { WitnessModule } from './witness.module.js';
export { registerWitnessBody, ADD_CHECKPOINT_PATH, WITNESS_BODY_LIMIT_BYTES } from './witness-body.js';
