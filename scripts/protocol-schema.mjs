#!/usr/bin/env node
// Writes docs/protocol.schema.json from the protocol's zod schemas (npm run protocol:schema).
// packages/protocol/src/protocol-schema.test.ts fails when the checked-in file differs.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { protocolJsonSchema } from '../packages/protocol/dist/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'docs/protocol.schema.json');
writeFileSync(target, `${JSON.stringify(protocolJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path.relative(root, target)}`);
