/**
 * relay-compiler 21 compiles a frontend's operations against the committed schema/schema.graphql:
 * a query with a fragment on the Participant interface, a chatroom fragment refetchable through
 * node(id:), organizationChatrooms as a @connection and a mutation, with no warning.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const compiler = createRequire(import.meta.url).resolve('relay-compiler/cli.js');
const schema = fileURLToPath(new URL('../../schema/schema.graphql', import.meta.url));

const OPERATIONS = `import { graphql } from 'relay-runtime';
export const room = graphql\`
  query ChatroomViewQuery($id: ID!) {
    chatroom(id: $id) { id name capabilities { canSendMessage canUpdate } participants { ...ChatroomView_participant } ...ChatroomView_room }
  }
\`;
export const participant = graphql\`
  fragment ChatroomView_participant on Participant { id displayName ... on IwerpParticipant { isAdmin } }
\`;
export const refetchable = graphql\`
  fragment ChatroomView_room on Chatroom @refetchable(queryName: "ChatroomViewRoomRefetchQuery") { name lastRating { value } }
\`;
export const rooms = graphql\`
  fragment ChatroomView_rooms on Query
  @refetchable(queryName: "ChatroomViewRoomsPaginationQuery")
  @argumentDefinitions(first: { type: "Int", defaultValue: 10 }, after: { type: "String" }, organizationId: { type: "Int" }) {
    organizationChatrooms(organizationId: $organizationId, first: $first, after: $after) @connection(key: "ChatroomView_organizationChatrooms") {
      edges { node { id name kind } }
    }
  }
\`;
export const send = graphql\`
  mutation ChatroomViewSendMutation($id: ID!, $text: String!) { sendMessage(chatroomId: $id, text: $text) { text chatroom { id lastMessageAt } } }
\`;
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-'));
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'relay.config.json'), JSON.stringify({ src: './src', schema, language: 'typescript', customScalarTypes: { DateTime: 'string' } }));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function compile(source: string): Promise<{ code: number; output: string }> {
  return writeFile(join(dir, 'src', 'ChatroomView.ts'), source).then(
    () =>
      new Promise((resolve) => {
        execFile(process.execPath, [compiler], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
          resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr });
        });
      }),
  );
}

describe('relay-compiler 21', () => {
  it('compiles queries, fragments, a refetchable node fragment, a connection and a mutation with no warning', async () => {
    const { code, output } = await compile(OPERATIONS);
    expect(output).not.toMatch(/WARN|ERROR/);
    expect(code).toBe(0);
    expect((await readdir(join(dir, 'src', '__generated__'))).sort()).toEqual([
      'ChatroomViewQuery.graphql.ts',
      'ChatroomViewRoomRefetchQuery.graphql.ts',
      'ChatroomViewRoomsPaginationQuery.graphql.ts',
      'ChatroomViewSendMutation.graphql.ts',
      'ChatroomView_participant.graphql.ts',
      'ChatroomView_room.graphql.ts',
      'ChatroomView_rooms.graphql.ts',
    ]);
  });

  it('fails, naming the field, on an operation the schema does not have', async () => {
    const { code, output } = await compile(OPERATIONS.replace('lastRating { value }', 'lastRating { stars }'));
    expect(code).not.toBe(0);
    expect(output).toContain('no field `stars`');
  });
});
