import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { requestSchemas } from './events.js';
import { protocolJsonSchema } from './json-schema.js';
import { resultSchemas, serverEventSchemas } from './wire-schemas.js';

const checkedIn = JSON.parse(
  readFileSync(new URL('../../../docs/protocol.schema.json', import.meta.url), 'utf8'),
) as unknown;

describe('docs/protocol.schema.json', () => {
  it('is in step with the code: every event, payload, result and error code (else: npm run protocol:schema)', () => {
    // JSON round trip: the file holds what JSON.stringify makes of the generated object.
    expect(checkedIn).toEqual(JSON.parse(JSON.stringify(protocolJsonSchema())));
  });

  it('describes every request’s result, every server event’s payload and every error code', () => {
    const schema = protocolJsonSchema();
    expect(schema.undescribed).toEqual([]);
    expect(Object.keys(schema.requests).sort()).toEqual(Object.keys(requestSchemas).sort());
    expect(Object.keys(resultSchemas).sort()).toEqual(Object.keys(requestSchemas).sort());
    for (const [name, request] of Object.entries(schema.requests)) {
      expect(request.result, `result of ${name}`).toMatchObject({ type: 'object' });
    }
    // Server event names exist only as types: wire-schemas.ts makes the map complete by type
    // (`satisfies`), so here every entry must hold a schema and reach the reference.
    expect(Object.keys(schema.events).sort()).toEqual(Object.keys(serverEventSchemas).sort());
    for (const [name, payload] of Object.entries(schema.events)) {
      expect(payload, `payload of ${name}`).toMatchObject({ type: 'object' });
    }
    expect(Object.keys(schema.errorCodes).sort()).toEqual(Object.values(ErrorCode).sort());
  });
});
