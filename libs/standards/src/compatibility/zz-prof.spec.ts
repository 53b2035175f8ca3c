import { compareSchemas, type JsonSchema } from './index.js';
it('prof', () => {
  const closed = (properties: Record<string, JsonSchema>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, additionalProperties: false, ...extra });
  const station = (maximum: number): JsonSchema => ({
    $defs: { reading: closed({ value: { type: 'number', maximum }, unit: { enum: ['dB', 'dBA'] }, at: { type: 'string', format: 'date-time' } }, { required: ['value'] }) },
    ...closed(Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`sensor${i}`, { type: 'array', items: { $ref: '#/$defs/reading' } }]))),
  });
  const t = Date.now();
  for (let i = 0; i < 5; i++) compareSchemas(station(100), station(90));
  console.log('ms', (Date.now() - t) / 5);
});
