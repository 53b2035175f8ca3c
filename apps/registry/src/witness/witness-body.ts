import type { FastifyInstance } from 'fastify';

/** The add-checkpoint route (tlog-witness), under the submission prefix a log is given: `<public URL>/log-witness`. */
export const ADD_CHECKPOINT_PATH = '/log-witness/add-checkpoint';

/**
 * The largest add-checkpoint body: a checkpoint note with a few dozen signature lines and 63 proof lines fit in a few
 * KiB; 16 KiB is what transparency-dev's witness accepts.
 */
export const WITNESS_BODY_LIMIT_BYTES = 16 * 1024;

// An internal media type: the spec names none (logs send text/plain or nothing), and the note is read as exact bytes.
const RAW_MEDIA_TYPE = 'application/x-plaza-witness-raw';

/** add-checkpoint bodies are read as raw bytes whatever their Content-Type says, and refused (413) beyond the limit while reading. */
export function registerWitnessBody(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(RAW_MEDIA_TYPE, { parseAs: 'buffer', bodyLimit: WITNESS_BODY_LIMIT_BYTES }, (_request, body, done) => done(null, body));
  fastify.addHook('onRequest', async (request) => {
    if (request.method === 'POST' && request.routeOptions.url === ADD_CHECKPOINT_PATH) request.headers['content-type'] = RAW_MEDIA_TYPE;
  });
}
