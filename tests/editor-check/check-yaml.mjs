// Checks YAML files as an editor would: the real yaml-language-server (over LSP on stdio) against a
// JSON Schema, and js-yaml as a second parser. Usage: node check-yaml.mjs SCHEMA.json FILE...
// Prints one JSON object: { "<file>": { "diagnostics": [{ "line", "message" }], "parseError": string|null } }.
// Exit 0 when every file was checked (whatever was found), 2 when the server could not check them.
// The server sees copies that start with a `# yaml-language-server: $schema=` modeline: the schema is
// then part of the document, not of settings that may arrive after its first validation.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { load } from 'js-yaml';

const require = createRequire(import.meta.url);
const [schemaPath, ...files] = process.argv.slice(2);
if (!schemaPath || files.length === 0) {
  console.error('usage: node check-yaml.mjs SCHEMA.json FILE...');
  process.exit(2);
}

const schemaUri = pathToFileURL(resolve(schemaPath)).href;
const copies = mkdtempSync(join(tmpdir(), 'kubetest-editor-check-'));
process.on('exit', () => rmSync(copies, { recursive: true, force: true }));
const documents = new Map(files.map((file, i) => {
  const copy = join(copies, `${i}-${file.split('/').pop()}`);
  writeFileSync(copy, `# yaml-language-server: $schema=${schemaUri}\n${readFileSync(file, 'utf8')}`);
  return [pathToFileURL(copy).href, { file, copy }];
}));
const results = Object.fromEntries(files.map((file) => [file, { diagnostics: null, parseError: null }]));
for (const file of files) {
  try {
    load(readFileSync(file, 'utf8'));
  } catch (error) {
    results[file].parseError = String(error.message ?? error).split('\n')[0];
  }
}

const server = spawn(process.execPath, [require.resolve('yaml-language-server/bin/yaml-language-server'), '--stdio'], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
let nextId = 1;
const pending = new Map();
const send = (message) => {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
  server.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
  server.stdin.write(body);
};
const request = (method, params) => new Promise((done) => {
  const id = nextId++;
  pending.set(id, done);
  send({ id, method, params });
});
const notify = (method, params) => send({ method, params });

// Each publish replaces the document's diagnostics; the last one after validation settles counts.
let lastPublish = Date.now();
const onMessage = (message) => {
  if (message.id !== undefined && message.method === undefined) {
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  } else if (message.id !== undefined) {
    // A request from the server (configuration, registration): answer so that it goes on.
    const result = message.method === 'workspace/configuration'
      ? message.params.items.map((item) => (item.section === 'yaml' ? settings.yaml : null))
      : null;
    send({ id: message.id, result });
  } else if (message.method === 'textDocument/publishDiagnostics' && documents.has(message.params.uri)) {
    lastPublish = Date.now();
    // Lines as in the file: the copy's modeline is line 0.
    results[documents.get(message.params.uri).file].diagnostics = message.params.diagnostics.map((d) => ({
      line: d.range.start.line,
      message: d.message,
    }));
  }
};

let buffer = Buffer.alloc(0);
server.stdout.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const headerEnd = buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const length = Number(/Content-Length: *(\d+)/i.exec(buffer.subarray(0, headerEnd).toString('ascii'))[1]);
    if (buffer.length < headerEnd + 4 + length) return;
    onMessage(JSON.parse(buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8')));
    buffer = buffer.subarray(headerEnd + 4 + length);
  }
});

// No schema store, no Kubernetes schema: only the given schema, and nothing fetched from the network.
const settings = {
  yaml: {
    validate: true,
    schemaStore: { enable: false },
    kubernetesCRDStore: { enable: false },
    format: { enable: false },
    hover: false,
    completion: false,
  },
};

const fail = (why) => {
  console.error(`check-yaml.mjs: ${why}`);
  server.kill();
  process.exit(2);
};
const deadline = setTimeout(() => fail('yaml-language-server did not publish diagnostics for every file within 120 s'), 120_000);
server.on('exit', (code) => fail(`yaml-language-server exited with ${code}`));

await request('initialize', {
  processId: process.pid,
  rootUri: null,
  capabilities: { textDocument: { publishDiagnostics: {} }, workspace: { configuration: true } },
});
notify('initialized', {});
notify('workspace/didChangeConfiguration', { settings });
for (const [uri, { copy }] of documents) {
  notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: readFileSync(copy, 'utf8') } });
}

// Done when every file has diagnostics and none came for a while (validation is debounced).
await new Promise((done) => {
  const timer = setInterval(() => {
    if (Object.values(results).every((r) => r.diagnostics !== null) && Date.now() - lastPublish > 1500) {
      clearInterval(timer);
      done();
    }
  }, 100);
});
clearTimeout(deadline);
server.removeAllListeners('exit');
await request('shutdown', null);
notify('exit', null);
server.kill();
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
