/**
 * What a new user meets in the first minutes: GET / leads to GraphiQL, the shipped example avatar
 * uploads (its type told by its bytes), and a refusal says what is allowed instead.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_HEADERS, EXAMPLE_OPERATION } from '../../src/gateway.js';
import { encodeGlobalId } from '../../src/model/globalId.js';
import { imageTypeOf } from '../../src/schema/mutations/setChatroomAvatar.js';
import { useGateway } from '../helpers/gateway.js';

const gw = useGateway();
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
/** The README's text after `heading`: its first fenced block of `language`, or its first "answers `…`". */
const fenced = (heading: string, language: string) => new RegExp(`${heading}[\\s\\S]*?\`\`\`${language}\\n([\\s\\S]*?)\\n\`\`\``).exec(README)?.[1];
const answer = (heading: string) => JSON.parse(new RegExp(`${heading}[\\s\\S]*?answers \`(.*?)\``).exec(README)![1]!);
const EXAMPLE_AVATAR = readFileSync(new URL('../../docs/example-avatar.png', import.meta.url));
const AVATAR = `mutation($id: ID!, $avatar: Upload) { setChatroomAvatar(id: $id, avatar: $avatar) { name imageUrl } }`;
const CUSTOM_ROOM = encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '12' });

async function upload(file: Blob) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: AVATAR, variables: { id: CUSTOM_ROOM, avatar: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.avatar'] }));
  form.set('0', file, 'avatar');
  const response = await fetch(gw().url, { method: 'POST', headers: DEMO_HEADERS, body: form });
  return (await response.json()) as { data?: any; errors?: { message: string; extensions: { code: string } }[] };
}

describe('the README', () => {
  it('quickstart: the curl answers what the README says', async () => {
    const body = /-d '(.*)'/.exec(fenced('## Quickstart', 'sh')!)![1]!;
    const headers = Object.fromEntries([...fenced('## Quickstart', 'sh')!.matchAll(/-H '([^:]+): ([^']+)'/g)].map((m) => [m[1]!, m[2]!]));
    const response = await fetch(gw().url, { method: 'POST', headers, body });
    expect(await response.json()).toEqual(answer('## Quickstart'));
  });

  it("example: GraphiQL's example operation, with its real answer", async () => {
    expect(fenced('## Example', 'graphql')).toBe(EXAMPLE_OPERATION.trimEnd());
    expect(await gw().query(EXAMPLE_OPERATION)).toEqual(JSON.parse(fenced('## Example', 'json')!));
  });

  it('incremental delivery: the @defer example sends the Popsell room after the IW-ERP one, with its data', async () => {
    const query = fenced('Incremental delivery', 'graphql')!;
    const response = await fetch(gw().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...DEMO_HEADERS },
      body: JSON.stringify({ query }),
    });
    const parts = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice('data: '.length)) as { data?: any; incremental?: { data: any }[] });
    expect(parts[0]?.data).toEqual({ fast: { name: 'Project Apollo' } });
    expect(parts.flatMap((part) => part.incremental ?? [])).toEqual([{ data: { slow: { kind: expect.any(String), lastRating: { value: expect.any(Number) } } }, path: [] }]);
  });

  it('upload: the example avatar curl answers what the README says', async () => {
    const operations = JSON.parse(/-F operations='(.*)'/.exec(fenced('Uploading a chatroom avatar', 'sh')!)![1]!) as { query: string };
    expect(operations.query).toBe(AVATAR);
    expect(await upload(new Blob([EXAMPLE_AVATAR]))).toEqual(answer('Uploading a chatroom avatar'));
  });
});

describe('the docs', () => {
  const { scripts } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };

  it.each(['docs/operations.md', 'docs/realtime.md'])('%s runs the gateway under a supervisor with npm start’s own command', (file) => {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    const commands = [...text.matchAll(/\bnode [^\n`]*dist\/server\.js/g)].map((match) => match[0]);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) expect(command).toBe(scripts.start);
  });
});

describe('the first minutes', () => {
  it('GET / redirects to /graphql, where a browser finds GraphiQL', async () => {
    const root = new URL('/', gw().url);
    const response = await fetch(root, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/graphql');
    const followed = await fetch(root, { headers: { accept: 'text/html' } });
    expect(await followed.text()).toContain('query Example');
  });

  it('the shipped example avatar uploads, typed by its bytes even when declared as octet-stream', async () => {
    const uploaded = await upload(new Blob([EXAMPLE_AVATAR], { type: 'application/octet-stream' }));
    expect(uploaded.errors).toBeUndefined();
    expect(uploaded.data.setChatroomAvatar.imageUrl).toMatch(new RegExp(`avatars/12-${EXAMPLE_AVATAR.length}$`));
    expect(gw().simulators.messengerState.avatars.get(12)?.contentType).toBe('image/png');
  });

  it('a text file declared image/png is BAD_USER_INPUT, with no vendor call', async () => {
    const uploaded = await upload(new Blob(['just some text, not a picture'], { type: 'image/png' }));
    expect(uploaded.errors?.[0]).toMatchObject({
      message: 'avatar must be an image of type image/png, image/jpeg, image/gif, image/webp; its bytes are none of these.',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(gw().calls().messenger).toBe(0);
  });

  it.each([
    ['updating a Messenger event room', `mutation { updateChatroom(id: "${encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '3' })}", input: { name: "x" }) { id } }`, 'MESSENGER does not support updating a chatroom (this chatroom is EVENT); only CUSTOM chatrooms allow it.'],
    ['sending to IW-ERP', `mutation { sendMessage(chatroomId: "${encodeGlobalId('Chatroom', 'IWERP', { chatroom: '1' })}", text: "hi") { text } }`, 'IWERP does not support sending a message; only MESSENGER chatrooms allow it.'],
    ['reading a Popsell message', `{ messageByProviderId(provider: POPSELL, providerId: "1") { id } }`, 'POPSELL does not support reading a message; only IWERP messages can be read.'],
  ])('%s: the refusal names what is allowed', async (_, query, message) => {
    const response = await gw().query(query);
    expect(response.errors?.[0]).toMatchObject({ message, extensions: { code: 'UNSUPPORTED_BY_PROVIDER' } });
  });
});

describe('imageTypeOf', () => {
  const bytes = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));
  it.each([
    ['image/png', bytes([0x89], 'PNG\r\n\x1a\n', [0, 0])],
    ['image/jpeg', bytes([0xff, 0xd8, 0xff, 0xe0])],
    ['image/gif', bytes('GIF89a')],
    ['image/gif', bytes('GIF87a')],
    ['image/webp', bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 ')],
  ])('tells %s from its signature', (type, head) => {
    expect(imageTypeOf(head)).toBe(type);
  });

  it.each([
    ['text', bytes('hello, world')],
    ['a WAV file (RIFF, not WEBP)', bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt ')],
    ['a PNG signature cut short', bytes([0x89], 'PNG')],
    ['nothing', bytes()],
  ])('refuses %s', (_, head) => {
    expect(imageTypeOf(head)).toBeUndefined();
  });
});
