/** Parsed byte sequences are ArrayBuffers; the tag test also holds across realms (jest's vm modules). */
export const isByteSequence = (value: unknown): value is ArrayBuffer =>
  Object.prototype.toString.call(value) === '[object ArrayBuffer]';
