// Embeds the lines of a JSON file with the official OpenAI Node SDK against a Heed server and writes the vectors
// as JSON. Usage: node openai-embed.mjs BASE_URL IN.json OUT.json
// The SDK asks for base64 by default and decodes it itself, so this also checks Heed's base64 encoding.
import fs from 'node:fs';
import OpenAI from 'openai';

const [baseURL, inFile, outFile] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: 'test-key', maxRetries: 0, timeout: 120000 });
const lines = JSON.parse(fs.readFileSync(inFile, 'utf8'));
const out = [];
for (let i = 0; i < lines.length; i += 32) {
  const res = await client.embeddings.create({ model: 'all-MiniLM-L6-v2', input: lines.slice(i, i + 32) });
  if (res.object !== 'list' || res.data.length !== Math.min(32, lines.length - i)) throw new Error('bad reply ' + JSON.stringify(res).slice(0, 200));
  for (const d of res.data) out.push(Array.from(d.embedding));
}
fs.writeFileSync(outFile, JSON.stringify(out));
console.log(`openai-node: embedded ${out.length} lines`);
