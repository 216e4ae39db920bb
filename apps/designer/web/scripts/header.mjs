// Prepends the "how this file was made" header to a generated file.
import { readFileSync, writeFileSync } from "node:fs";

const HEADER = `/**
 * GENERATED FILE, do not edit.
 * Made by \`npm run gen:api\` (openapi-typescript ../openapi.json) from
 * apps/designer/openapi.json, the Designer server's committed OpenAPI document.
 * src/api/schema.test.ts fails when this file is stale.
 */
`;

const path = process.argv[2];
if (!path) throw new Error("usage: node scripts/header.mjs FILE");
const body = readFileSync(path, "utf8");
writeFileSync(path, body.startsWith("/**\n * GENERATED") ? body : HEADER + body);
