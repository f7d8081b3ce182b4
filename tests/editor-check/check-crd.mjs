// Validates YAML files as TestJob objects against a CRD's openAPIV3Schema, with ajv in draft-04 mode (the
// OpenAPI v3.0 schema of a CustomResourceDefinition is draft 4 with extensions). Kubernetes' x-kubernetes-*
// keywords are allowed; of them only int-or-string says what a value may be, and is checked as the API server does.
// Usage: node check-crd.mjs CRD.yaml FILE...
// Prints one JSON object: { "<file>": ["<instancePath> <message>", ...] } (an empty list when the file is valid).
// Exit 0 when every file was checked, 2 when the CRD or a file could not be read.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { load } from 'js-yaml';

const require = createRequire(import.meta.url);
const Ajv = require('ajv-draft-04');
const [crdPath, ...files] = process.argv.slice(2);
if (!crdPath || files.length === 0) {
  console.error('usage: node check-crd.mjs CRD.yaml FILE...');
  process.exit(2);
}

const crd = load(readFileSync(crdPath, 'utf8'));
const versions = crd?.spec?.versions ?? [];
if (versions.length !== 1 || !versions[0].schema?.openAPIV3Schema) {
  console.error(`${crdPath}: expected one version with schema.openAPIV3Schema`);
  process.exit(2);
}

// strictRequired off: a structural schema names a choice's fields in the object and only lists them in oneOf.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
ajv.addKeyword({
  keyword: 'x-kubernetes-int-or-string',
  schemaType: 'boolean',
  validate: (intOrString, data) => !intOrString || typeof data === 'string' || Number.isInteger(data),
});
for (const keyword of ['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-embedded-resource', 'x-kubernetes-validations']) {
  ajv.addKeyword(keyword);
}
ajv.addFormat('date-time', true);
ajv.addFormat('int64', true);
ajv.addFormat('int32', true);

const validate = ajv.compile(versions[0].schema.openAPIV3Schema);
const results = {};
for (const file of files) {
  validate(load(readFileSync(file, 'utf8')));
  results[file] = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

console.log(JSON.stringify(results));
