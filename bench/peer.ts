/**
 * The benchmark's peer: Hive Gateway serving a Mesh Compose supergraph built from our own vendor
 * documents (schema/upstreams/*.yaml), one OpenAPI subgraph per vendor, root fields prefixed by
 * vendor (bench/peer/mesh.config.ts). It has its own package.json in bench/peer/, installed on
 * first use, so the gateway's own dependencies never see it.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ProviderKey } from '../src/model/provider.js';
import { startService, type Service } from './process.js';

const dir = fileURLToPath(new URL('./peer/', import.meta.url));
const run = promisify(execFile);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// The vendors' own field names; participant names are what the gateway's displayName is built from.
const iwerpRoom = 'id name image_url participants { id name nickname first_name last_name image_url room_admin }';
const popsellRoom = '... on popsell_Chatroom { id_chatroom type_chatroom ambassadors { id_ambassador username firstname lastname image } }';
// Messenger rooms name their members by user id only; the gateway makes no call for them either.
const messengerRoom = 'id name type avatarURL assignedUsers';

/**
 * The peer's operation for each scenario key: the same vendor calls as far as its schema allows.
 * The peer has no link from a message's chatroom stub to the chatroom, so (c) names room 1 itself
 * and fetches it alongside the messages, in one round where the gateway needs two.
 */
export const PEER_QUERIES: Record<string, string> = {
  a: `{ iwerp_getChatroom(identifier: "1") { ${iwerpRoom} } }`,
  b: '{ iwerp_getChatroomMessage(identifier: "1") { id message_text chatroom { id name image_url } participant { id name image_url } } }',
  c: `{ ${range(1, 20)
    .map((id) => `m${id}: iwerp_getChatroomMessage(identifier: "${id}") { message_text participant { name } chatroom { id } }`)
    .join(' ')} room: iwerp_getChatroom(identifier: "1") { participants { name nickname first_name last_name } } }`,
  d: `{ ${[
    ...range(1, 4).map((id) => `i${id}: iwerp_getChatroom(identifier: "${id}") { ${iwerpRoom} }`),
    // Brand 1 comes from the forwarded x-popsell-brand header, as for the gateway.
    ...range(1, 12).map((id) => `p${id}: popsell_getChatroom(id: ${id}) { ${popsellRoom} }`),
    ...range(8, 21).map((id) => `m${id}: messenger_getChatroom(roomID: ${id}) { ${messengerRoom} }`),
  ].join(' ')} }`,
  e: `{ ${[0, 50]
    .map((offset) => `o${offset}: messenger_listChatrooms(organization_id: 3, limit: 50, offset: ${offset}) { total entries { ${messengerRoom} } }`)
    .join(' ')} }`,
};

/** Runs a command in bench/peer/, its output kept in a log file there. */
async function step(log: string, command: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 64 * 2 ** 20 });
    await writeFile(`${dir}${log}`, stdout + stderr);
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    await writeFile(`${dir}${log}`, stdout + stderr);
    throw new Error(`${command} ${args.join(' ')} failed (see bench/peer/${log}):\n${stderr.slice(-2000)}`);
  }
}

/** A free loopback port: the gateway logs the port it was given, so port 0 would not tell us. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Hive Gateway over a Mesh Compose supergraph of our vendor documents (installed on first use). */
export async function startPeer(baseUrls: Record<ProviderKey, URL>): Promise<Service> {
  if (!existsSync(`${dir}node_modules`)) {
    console.log('Installing the peer (bench/peer/, first use only)…');
    // npm install honours the committed lockfile; the overrides it needs are in package.json.
    await step('install.log', 'npm', ['install', '--no-audit', '--no-fund']);
  }
  // Composed per run: the endpoints in the supergraph are the simulators' ports of this run.
  await step('compose.log', process.execPath, ['node_modules/@graphql-mesh/compose-cli/esm/bin.js', '--output', 'supergraph.graphql'], {
    IWERP_BASE_URL: baseUrls.iwerp.href,
    POPSELL_BASE_URL: baseUrls.popsell.href,
    MESSENGER_BASE_URL: baseUrls.messenger.href,
  });
  const port = await freePort();
  // Run the CLI's script with node itself (not npx), so the child is the gateway and its RSS is its own.
  const peer = await startService(
    process.execPath,
    ['node_modules/@graphql-hive/gateway/dist/bin.js', 'supergraph', 'supergraph.graphql', '--host', '127.0.0.1', '--port', String(port)],
    { cwd: dir, env: { NODE_ENV: 'production', NO_COLOR: '1' }, ready: /Listening on (http:\/\/[^\s"]+)/, timeoutMs: 120_000 },
  );
  const log = createWriteStream(`${dir}gateway.log`);
  peer.child.stdout?.pipe(log);
  peer.child.stderr?.pipe(log);
  // Hive Gateway serves GraphQL on /graphql.
  return { ...peer, url: new URL('/graphql', peer.url) };
}
