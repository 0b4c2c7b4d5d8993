import { readFileSync } from 'node:fs';
import {
  buildSchema as buildSdl,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  type GraphQLField,
  type GraphQLNamedType,
} from 'graphql';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import codegenConfig from '../../codegen.js';
import { renderUpstreamModule } from '../../scripts/codegenUpstreams.js';
import { renderPossibleTypes } from '../../scripts/possibleTypes.js';
import { PROVIDER_KEYS } from '../../src/model/provider.js';
import { buildSchema } from '../../src/schema/index.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const live = buildSchema({ exposeVendorSecrets: false });

describe('generated artifacts', () => {
  it('schema/schema.graphql, test/generated/operations.ts and test/clients/gql/ are what `npm run codegen` writes (run it when this fails)', async () => {
    const outputs = await generate({ ...codegenConfig, cwd: fileURLToPath(new URL('../../', import.meta.url)), silent: true }, false);
    expect(outputs.map((o: { filename: string }) => o.filename).sort()).toEqual([
      'schema/schema.graphql',
      'test/clients/gql/gql.ts',
      'test/clients/gql/graphql.ts',
      'test/clients/gql/index.ts',
      'test/clients/gql/persisted-documents.json',
      'test/generated/operations.ts',
    ]);
    for (const output of outputs) expect(read(output.filename), output.filename).toBe(output.content);
  }, 30_000);

  it('schema/possibleTypes.json lists every interface and union of the live schema', () => {
    expect(read('schema/possibleTypes.json')).toBe(renderPossibleTypes(live));
  });

  it.each(PROVIDER_KEYS)('src/upstreams/%s/openapi.gen.ts matches its YAML contract', async (key) => {
    expect(read(`src/upstreams/${key}/openapi.gen.ts`)).toBe(await renderUpstreamModule(key));
  });
});

describe('the contract schema', () => {
  const contract = buildSdl(read('test/fixtures/schema-contract.graphql'));
  const userTypes = Object.values(contract.getTypeMap()).filter((t) => !t.name.startsWith('__'));

  it.each(userTypes.map((t) => [t.name, t] as const))('%s exists with every field and argument', (_, type: GraphQLNamedType) => {
    const ours = live.getType(type.name);
    expect(ours, type.name).toBeDefined();
    expect(ours?.constructor.name).toBe(type.constructor.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      const fields = (ours as typeof type).getFields();
      for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
        const mine = fields[field.name];
        expect(mine, `${type.name}.${field.name}`).toBeDefined();
        expect(String(mine?.type), `${type.name}.${field.name}`).toBe(String(field.type));
        for (const arg of field.args) {
          const own = mine?.args.find((a) => a.name === arg.name);
          expect(String(own?.type), `${type.name}.${field.name}(${arg.name})`).toBe(String(arg.type));
          expect(own?.defaultValue, `${type.name}.${field.name}(${arg.name}) default`).toEqual(arg.defaultValue);
        }
        // Arguments we add must be optional, or the contract's queries would break.
        for (const extra of mine?.args ?? []) {
          if (!field.args.some((a) => a.name === extra.name)) expect(String(extra.type)).not.toMatch(/!$/);
        }
      }
      for (const iface of type.getInterfaces()) {
        expect((ours as typeof type).getInterfaces().map((i) => i.name)).toContain(iface.name);
      }
    }
    if (isInputObjectType(type)) {
      const fields = (ours as typeof type).getFields();
      for (const field of Object.values(type.getFields())) {
        expect(String(fields[field.name]?.type), `${type.name}.${field.name}`).toBe(String(field.type));
      }
    }
  });

  it('describes every type and field', () => {
    const missing: string[] = [];
    for (const type of Object.values(live.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Boolean', 'ID', 'Float'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('keeps vendor secrets out unless EXPOSE_VENDOR_SECRETS is on', () => {
    const secrets = ['Chatroom.token', 'Chatroom.notificationToken', 'IwerpParticipant.aiPrompt', 'IwerpParticipant.aiAutoCloseSecretWord', 'Ambassador.emailTmp'];
    const fieldsOf = (schema: typeof live) =>
      secrets.filter((path) => {
        const [type, field] = path.split('.') as [string, string];
        const t = schema.getType(type);
        return isObjectType(t) && field in t.getFields();
      });
    expect(fieldsOf(live)).toEqual([]);
    expect(fieldsOf(buildSchema({ exposeVendorSecrets: true }))).toEqual(secrets);
  });
});
