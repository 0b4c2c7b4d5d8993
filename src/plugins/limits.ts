/**
 * Limits checked before any resolver runs, so an abusive request never reaches a vendor.
 * The query-shape limits are GraphQL Armor's; the body limits are the HTTP layer's.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { createFetch } from '@whatwg-node/fetch';
import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  TypeInfo,
  getNullableType,
  getOperationAST,
  parse,
  isIntrospectionType,
  isListType,
  separateOperations,
  validate,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { isPromise } from '@graphql-tools/utils';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';
import { perOperation } from './directives.js';

export type Limits = Config['limits'];

/**
 * Depth, aliases, tokens, cost and directives of an operation. The defaults leave room for the
 * heaviest documented use — 20 aliased messages with their rooms' participants — and little more.
 * Suggestions in errors follow INTROSPECTION instead (src/plugins/introspection.ts).
 */
export const queryLimits = (limits: Limits) =>
  EnvelopArmorPlugin({
    maxDepth: { n: limits.maxDepth },
    // __typename aliases count too (Armor leaves them out by default): ~980 of them under repeated
    // IDs made a 12.7 MB answer of a 19 KB request (an attacker's pass).
    maxAliases: { n: limits.maxAliases, allowList: [] },
    maxTokens: { n: limits.maxTokens },
    // Page sizes that are no literal are counted at execution (useArgumentLimits).
    costLimit: { maxCost: limits.maxCost },
    maxDirectives: { n: limits.maxDirectives },
    blockFieldSuggestion: { enabled: false },
  });

/**
 * How deep braces, brackets and parentheses may nest in a document. graphql-js parses recursively,
 * and on a fresh process (before V8 has optimized the parser's frames) ~2,100 nested list literals
 * overflow its stack: a 500. A legitimate operation nests MAX_DEPTH (12) selection sets, plus an
 * argument list and the few levels of its deepest input value (a list of IDs: 2), plus fragments
 * and directives: under 20. 64 leaves three times that, and stays far from any stack limit.
 */
const MAX_NESTING = 64;

const OPENING = new Set<TokenKind>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<TokenKind>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/**
 * Reads the document's tokens (graphql-js's lexer, so strings and comments are skipped as the
 * parser would) and throws a syntax error once they nest deeper than MAX_NESTING. It stops after
 * maxTokens: the parser refuses a longer document anyway.
 */
function assertNesting(source: string | Source, maxTokens: number) {
  const lexer = new Lexer(typeof source === 'string' ? new Source(source) : source);
  let depth = 0;
  for (let token = lexer.advance(), count = 0; token.kind !== TokenKind.EOF && count <= maxTokens; token = lexer.advance(), count++) {
    if (OPENING.has(token.kind) && ++depth > MAX_NESTING) {
      throw new GraphQLError(`Syntax Error: brackets nested deeper than ${MAX_NESTING}.`, { source: lexer.source, positions: [token.start] });
    }
    if (CLOSING.has(token.kind)) depth -= 1;
  }
}

/**
 * The variables the operation of a document declares, read with the parser's own limits (tokens,
 * nesting); none when it does not parse within them, since the operation is then refused anyway.
 */
export function declaredVariables(query: string, operationName: unknown, maxTokens: number): Set<string> {
  try {
    assertNesting(query, maxTokens);
    const operation = getOperationAST(parse(query, { maxTokens }), typeof operationName === 'string' ? operationName : undefined);
    return new Set(operation?.variableDefinitions?.map((definition) => definition.variable.name.value));
  } catch {
    return new Set();
  }
}

/**
 * Keeps of a request's `extensions`, in place, only what the gateway reads (Apollo's
 * `persistedQuery`): yoga and graphql-ws keep the object as long as the operation runs, and 1 MB
 * of anything else there held ~7 MB of heap per subscription (an attacker's pass).
 */
export function dropUnreadExtensions(extensions: unknown): void {
  if (typeof extensions !== 'object' || extensions === null) return;
  for (const key in extensions) if (key !== 'persistedQuery') delete (extensions as Record<string, unknown>)[key];
}

/**
 * Checks nesting before the parser recurses into it, and counts the fragments of what it parsed
 * before anything validates it: graphql-js's OverlappingFieldsCanBeMergedRule compares the
 * fragments spread in a selection set pair by pair, and 330 one-field fragments, under 3,000
 * tokens, took 320–700 ms of validation per request, a random comment defeating yoga's caches (an
 * attacker's pass; 64 take ~10 ms); 350 inline ones, 430–665 ms (the next pass). The documents of the trusted manifest (PERSISTED_DOCUMENTS_FILE)
 * may have more: they were built with the app (Relay composes one of many fragments) and are
 * validated once while cached, by their fixed text. It wraps the parse function set before it, GraphQL
 * Armor's (which counts tokens), so it must come after queryLimits; yoga's document cache answers
 * known documents without calling either.
 */
export const useDocumentLimits = (maxTokens: number, maxFragments: number, trusted: ReadonlyMap<string, string> | undefined): Plugin => {
  const trustedTexts = new Set(trusted?.values());
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        assertNesting(source, maxTokens);
        const document = parseFn(source, options);
        if (trustedTexts.has(typeof source === 'string' ? source : source.body)) return document;
        let fragments = 0;
        visit(document as DocumentNode, {
          FragmentDefinition: () => void (fragments += 1),
          InlineFragment: () => void (fragments += 1),
        });
        if (fragments > maxFragments) {
          throw new GraphQLError(`A document may hold at most ${maxFragments} fragments, named or inline; this one holds ${fragments}.`, {
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          });
        }
        return document;
      });
    },
  };
};

/**
 * Refuses an operation that asks for `__schema` more than once, fragments included. GraphQL Armor
 * leaves `__schema` out of its cost and depth (graphql-js's MaxIntrospectionDepthRule bounds its
 * nesting), and its answer is the whole schema whatever the selection costs: 49 aliased copies in
 * a 7.8 KB request made a 1.87 MB answer. Clients introspect once (GraphiQL, codegen, Relay).
 */
const oneSchemaIntrospection: ValidationRule = (context) => ({
  OperationDefinition(operation) {
    let count = 0;
    for (const definition of [operation, ...context.getRecursivelyReferencedFragments(operation)]) {
      visit(definition, {
        Field(field) {
          if (field.name.value === '__schema') count += 1;
        },
      });
    }
    if (count > 1) context.reportError(new GraphQLError(`An operation may select __schema once, not ${count} times.`, { nodes: operation }));
  },
  // Within it, aliases would repeat it: 49 aliased `types` in one __schema made a 3.59 MB answer
  // of a 1.45 KB request (an attacker's pass). No introspection query of a client aliases.
  Field(field) {
    const parent = context.getParentType();
    if (field.alias && parent && isIntrospectionType(parent)) {
      context.reportError(new GraphQLError(`Introspection takes no aliases (${field.alias.value}: ${field.name.value}).`, { nodes: field }));
    }
  },
});

export const useOneSchemaIntrospection = (): Plugin => ({
  onValidate({ addValidationRule }) {
    addValidationRule(oneSchemaIntrospection);
  },
});

/**
 * Where an operation's list arguments are: a literal's length, or a variable (with its default's
 * length, for when the request leaves it out). A fragment counts once per spread.
 */
type ListSite = number | { variable: string; otherwise: number };

/** What an operation's arguments ask for, found once per document: its lists, and its @stream counts. */
interface ArgumentSites {
  lists: ListSite[];
  /** `@stream(initialCount:)` as given: a literal, or a variable and its default (undefined without one). */
  streamCounts: (number | null | { variable: string; otherwise: unknown })[];
  /** The variables that hold a connection's page size (`first`, `last`). */
  pageSizeVariables: string[];
  /** A connection's page size is not the one Int literal GraphQL Armor's cost reads (left to its default, a literal null, both given). */
  unscoredPageSize: boolean;
}

/** An operation's argument sites, and the variables it declares. */
interface OperationArguments extends ArgumentSites {
  declared: ReadonlySet<string>;
  /** The operation alone with the fragments it spreads: what GraphQL Armor's cost scores. */
  alone: DocumentNode;
  /** The defaults of the operation's variables, as values. */
  variableDefaults: ReadonlyMap<string, unknown>;
  /** GraphQL Armor's refusal of its cost, or null, by the page sizes its variables gave (at most COSTS_KEPT of them). */
  costs: Map<string, GraphQLError | null>;
}

/** Page sizes whose cost is kept per operation: a client paging asks with a few, always the same. */
const COSTS_KEPT = 16;

/**
 * The page size a variable gives: its value when a whole number over 0, else its default, else
 * none (the field's own default then counts). Anything else in it is refused as the field runs.
 */
function pageSize(value: unknown, fallback: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  return value === undefined && typeof fallback === 'number' ? fallback : undefined;
}

/**
 * A variable's value as the request sent it, or undefined: a plain object's `toString` or
 * `constructor` is no variable sent, and read as one, an unsent `$constructor` kept from its
 * default (found rereading a reviewer's fix).
 */
const sent = (variables: Record<string, unknown>, name: string) => (Object.hasOwn(variables, name) ? variables[name] : undefined);

/** The items a list variable gives (a single value counts one, as GraphQL makes a list of it), else its default's. */
const listLength = (value: unknown, otherwise: number) => (value === undefined ? otherwise : value === null ? 0 : Array.isArray(value) ? value.length : 1);

/** GraphQL Armor's refusal of the operation's cost with its page sizes written in (withPageSizes), or null. */
function costRefusal(schema: GraphQLSchema, sites: OperationArguments, variables: Record<string, unknown>, maxCost: number): GraphQLError | null {
  const sizes = new Map(sites.pageSizeVariables.map((name) => [name, pageSize(sent(variables, name), sites.variableDefaults.get(name))]));
  const lengths = new Map(sites.lists.filter((site) => typeof site !== 'number').map(({ variable, otherwise }) => [variable, listLength(sent(variables, variable), otherwise)]));
  const key = `${[...sizes.values()].join(',')};${[...lengths.values()].join(',')}`;
  const known = sites.costs.get(key);
  if (known !== undefined) return known;
  let refusal: GraphQLError | null = null;
  const rule = costLimitRule({ maxCost, propagateOnRejection: false, onReject: [(_, error) => void (refusal = error)] });
  validate(schema, withPageSizes(schema, sites.alone, sizes, lengths), [rule]);
  if (refusal) refusal = new GraphQLError((refusal as GraphQLError).message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  if (sites.costs.size >= COSTS_KEPT) sites.costs.clear();
  sites.costs.set(key, refusal);
  return refusal;
}

const literalLength = (value: ValueNode | undefined) => (value === undefined || value.kind === Kind.NULL ? 0 : value.kind === Kind.LIST ? value.values.length : 1);

function argumentsOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): OperationArguments {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const defaults = new Map(operation.variableDefinitions?.map((v) => [v.variable.name.value, literalLength(v.defaultValue)]));
  const variableDefaults = new Map(operation.variableDefinitions?.filter((v) => v.defaultValue).map((v) => [v.variable.name.value, valueFromASTUntyped(v.defaultValue!)]));
  const inFragment = new Map<string, ArgumentSites>();
  // Validation refused fragment cycles before any execution.
  const sitesIn = (node: OperationDefinitionNode | FragmentDefinitionNode): ArgumentSites => {
    const sites: ArgumentSites = { lists: [], streamCounts: [], pageSizeVariables: [], unscoredPageSize: false };
    const typeInfo = new TypeInfo(schema);
    visit(
      node,
      visitWithTypeInfo(typeInfo, {
        Field(field) {
          const sizes = pageSizeArguments(field, typeInfo.getFieldDef());
          if (!sizes) return;
          for (const size of sizes) if (size.kind === Kind.VARIABLE) sites.pageSizeVariables.push(size.name.value);
          if (sizes.length !== 1 || sizes[0]!.kind !== Kind.INT) sites.unscoredPageSize = true;
        },
        Argument(argument) {
          const { value } = argument;
          if (typeInfo.getDirective()?.name === 'stream' && argument.name.value === 'initialCount') {
            if (value.kind === Kind.INT) sites.streamCounts.push(Number(value.value));
            if (value.kind === Kind.NULL) sites.streamCounts.push(null);
            // One left to its variable's default counts as it (a reviewer's pass: `$n: Int = null` passed).
            if (value.kind === Kind.VARIABLE) sites.streamCounts.push({ variable: value.name.value, otherwise: variableDefaults.get(value.name.value) });
            return false;
          }
          const type = typeInfo.getArgument()?.type;
          if (!type || !isListType(getNullableType(type))) return false;
          sites.lists.push(value.kind === Kind.VARIABLE ? { variable: value.name.value, otherwise: defaults.get(value.name.value) ?? 0 } : literalLength(value));
          return false;
        },
        FragmentSpread(spread) {
          const name = spread.name.value;
          const fragment = fragments.get(name);
          if (!fragment) return;
          if (!inFragment.has(name)) inFragment.set(name, sitesIn(fragment));
          const spreadSites = inFragment.get(name)!;
          sites.lists.push(...spreadSites.lists);
          sites.streamCounts.push(...spreadSites.streamCounts);
          sites.pageSizeVariables.push(...spreadSites.pageSizeVariables);
          sites.unscoredPageSize ||= spreadSites.unscoredPageSize;
        },
      }),
    );
    return sites;
  };
  const alone = separateOperations(document)[operation.name?.value ?? ''] ?? document;
  return { ...sitesIn(operation), declared: new Set(defaults.keys()), alone, variableDefaults, costs: new Map() };
}

const PAGE_SIZES = new Set(['first', 'last']);

/** A connection field's page-size arguments (`first`, `last`) as given; undefined for a field with none. */
function pageSizeArguments(field: FieldNode, definition: GraphQLField<unknown, unknown> | null | undefined): ValueNode[] | undefined {
  if (!definition?.args.some((argument) => PAGE_SIZES.has(argument.name))) return undefined;
  return (field.arguments ?? []).filter((argument) => PAGE_SIZES.has(argument.name.value)).map((argument) => argument.value);
}

/**
 * The most items a connection field may answer in this execution (`sizes`: the page size each
 * variable gave): the larger of `first` (else its default) and `last`, since it pages by one of
 * them (forward by `first`, backward by `last`, a page size of each refused together). GraphQL
 * Armor's cost reads only the first of them given: `first: null, last: 100` counted 1 (a reviewer's
 * finding). A backward page under `first`'s default counts that default.
 */
function pageSizeIn(field: FieldNode, definition: GraphQLField<unknown, unknown>, sizes: ReadonlyMap<string, number | undefined>): number {
  const given = (name: string) => {
    const value = field.arguments?.find((argument) => argument.name.value === name)?.value;
    if (value?.kind === Kind.INT) return Number(value.value);
    return value?.kind === Kind.VARIABLE ? sizes.get(value.name.value) : undefined;
  };
  const fallback = definition.args.find((argument) => argument.name === 'first')?.defaultValue;
  return Math.max(given('first') ?? (typeof fallback === 'number' ? fallback : 1), given('last') ?? 1);
}

const intArgument = (name: string, value: number): ArgumentNode => ({
  kind: Kind.ARGUMENT,
  name: { kind: Kind.NAME, value: name },
  value: { kind: Kind.INT, value: String(value) },
});

/**
 * The document with each connection's page size written in as the number it is in this execution
 * (`sizes`: by variable, what pageSize made of it; else the field's default), where GraphQL Armor's
 * cost multiplies by literal page sizes only and counted any other as 1: a variable `first` of 100
 * let 40 aliased pages of 100 rooms through (a reviewer's finding). A field that takes a list
 * (`nodes(ids:)`, `chatrooms(ids:)`) answers one object per item, repeats included: its items are
 * written in as its page size (`lengths`: by variable), where they counted 1, and one room 100 times
 * with 49 aliased participant lists made a 15.5 MB answer of a 17 KB request (an attacker's pass).
 */
function withPageSizes(
  schema: GraphQLSchema,
  document: DocumentNode,
  sizes: ReadonlyMap<string, number | undefined>,
  lengths: ReadonlyMap<string, number>,
): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(field) {
        const definition = typeInfo.getFieldDef();
        const list = field.arguments?.find((argument) => {
          const type = definition?.args.find((candidate) => candidate.name === argument.name.value)?.type;
          return type !== undefined && isListType(getNullableType(type));
        });
        if (list && !field.arguments!.some((argument) => PAGE_SIZES.has(argument.name.value))) {
          const items = list.value.kind === Kind.VARIABLE ? (lengths.get(list.value.name.value) ?? 1) : literalLength(list.value);
          return { ...field, arguments: [...field.arguments!, intArgument('first', Math.max(1, items))] };
        }
        if (!pageSizeArguments(field, definition)) return undefined;
        const others = (field.arguments ?? []).filter((argument) => !PAGE_SIZES.has(argument.name.value));
        return { ...field, arguments: [...others, intArgument('first', pageSizeIn(field, definition!, sizes))] };
      },
    }),
  );
}

const badArgument = (message: string) => ({ errors: [new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } })] });

/**
 * Arguments checked together, before the operation runs (so before any vendor call), where one
 * field's own check cannot see them, and variables the operation does not declare dropped:
 * - The IDs of all of an operation's list arguments (`chatrooms(ids:)`, `nodes(ids:)`, literal or
 *   in variables, through aliases and fragments) are at most MAX_LIST_ARGUMENT: each may cost a
 *   vendor call, and GraphQL Armor's cost counts fields, not list items. Capping each list alone
 *   let 50 aliases of 100 IDs make ~5,000 calls in one request, filling the vendor's queue for
 *   every other caller.
 * - `@stream(initialCount:)` below 0 or null, as a literal or in a variable, is refused: yoga's
 *   executor read the whole list first (its vendor calls made), then threw, and the client got a
 *   masked INTERNAL_SERVER_ERROR.
 * - Variables the operation does not declare are deleted from the request's own object, which
 *   graphql-js ignores but yoga and graphql-ws keep as long as the operation runs: a subscription
 *   is as long as its client likes, and 1 MB of them held ~8 MB of heap each (an attacker's pass).
 *   Dropped rather than refused: clients such as Apollo's and urql send whatever variables they
 *   were given, and GraphQL lets a server ignore them.
 * The sites are found once per document and operation; each execution only reads its variables.
 */
export function useArgumentLimits(maxListItems: number, maxCost: number): Plugin {
  const sitesOf = perOperation((args, operation) => argumentsOf(args.schema, args.document, operation));
  const check = (args: ExecutionArgs, stop: (result: ExecutionResult) => void) => {
    const sites = sitesOf(args) ?? { lists: [], streamCounts: [], pageSizeVariables: [], unscoredPageSize: false, declared: new Set<string>(), alone: args.document, variableDefaults: new Map(), costs: new Map() };
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    if (typeof variables === 'object' && !Object.isFrozen(variables)) for (const name in variables) if (!sites.declared.has(name)) Reflect.deleteProperty(variables, name);
    if (sites.pageSizeVariables.length > 0 || sites.unscoredPageSize || sites.lists.length > 0) {
      const refusal = costRefusal(args.schema, sites, variables, maxCost);
      if (refusal) {
        stop({ errors: [refusal] });
        return;
      }
    }
    if (sites.lists.length === 0 && sites.streamCounts.length === 0) return;
    let items = 0;
    for (const site of sites.lists) {
      if (typeof site === 'number') {
        items += site;
        continue;
      }
      const value = sent(variables, site.variable);
      items += value === undefined ? site.otherwise : value === null ? 0 : Array.isArray(value) ? value.length : 1;
    }
    if (items > maxListItems) {
      stop(badArgument(`An operation's list arguments may hold at most ${maxListItems} IDs together, got ${items}.`));
      return;
    }
    const given = (count: (typeof sites.streamCounts)[number]) => {
      if (count === null || typeof count === 'number') return count;
      const value = sent(variables, count.variable);
      return value === undefined ? count.otherwise : value;
    };
    const refused = sites.streamCounts.map(given).find((count) => count === null || (typeof count === 'number' && count < 0));
    if (refused !== undefined) stop(badArgument(`@stream's initialCount must be 0 or more, not ${String(refused)}.`));
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
  };
}

/**
 * A document longer than MAX_DOCUMENT_LENGTH characters, refused (413) before anything keeps it:
 * comments and whitespace are no tokens, so MAX_TOKENS alone let 1 MB documents into the parser's
 * cache (an attacker kept 1 GB of heap with 1,000 of them) and into the APQ store (1 MB junk
 * registered by hash, in Redis for a day). Undefined for one within it.
 */
export function documentTooLong(query: unknown, maxLength: number): GraphQLError | undefined {
  if (typeof query !== 'string' || query.length <= maxLength) return undefined;
  return new GraphQLError(`A document may be at most ${maxLength} characters long; this one has ${query.length}.`, {
    extensions: { code: 'BAD_REQUEST', http: { status: 413 } },
  });
}

/** What whatwg-node's Request keeps of a body it has read, by form. */
const BODY_CACHES = ['_chunks', '_buffer', '_text', '_json', '_blob', '_formData'] as const;

/**
 * A body over MAX_REQUEST_BYTES (plus AVATAR_MAX_BYTES for a multipart upload) is refused (413)
 * from its Content-Length, before it is read; a POST without one is refused (411), since the size
 * of its body cannot be known up front. Node's HTTP parser then reads no more than that length, so
 * this is the only body limit (yoga's own is off, see gateway.ts). A document over
 * MAX_DOCUMENT_LENGTH is refused from the request's parameters, before APQ could register it.
 *
 * Once the parameters are read, the request lets go of its body: whatwg-node's Request keeps what
 * it read (the chunks, the bytes, the text, the JSON) for as long as the request lives, and a
 * subscription's lives as long as its client likes. A 1 MB body held ~2 MB per SSE subscription
 * (an attacker's pass); nothing reads the body again.
 */
export function useRequestSizeLimit(maxBytes: number, maxUploadBytes: number, maxDocumentLength: number): Plugin {
  return {
    onParams({ params, request }) {
      const refusal = documentTooLong(params.query, maxDocumentLength);
      if (refusal) throw refusal;
      dropUnreadExtensions(params.extensions);
      if (!('_chunks' in request)) return;
      const caches = request as unknown as Record<(typeof BODY_CACHES)[number], unknown>;
      // Emptied, not only dropped: the listeners that read it into this array stay on the socket's
      // request, and hold the array.
      if (Array.isArray(caches._chunks)) caches._chunks.length = 0;
      for (const cache of BODY_CACHES) caches[cache] = null;
    },
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'POST') return;
      const multipart = request.headers.get('content-type')?.toLowerCase().startsWith('multipart/form-data') ?? false;
      const limit = multipart ? maxBytes + maxUploadBytes : maxBytes;
      const declared = request.headers.get('content-length');
      const refuse = (status: number, message: string) =>
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] }), {
            status,
            headers: { 'content-type': 'application/json' },
          }),
        );
      // Every POST needs one: a streamed body (or one over HTTP/2) would otherwise be read unmeasured.
      if (declared === null) {
        refuse(411, 'A request body needs a Content-Length.');
        return;
      }
      if (Number(declared) > limit) refuse(413, `The request body is larger than ${limit} bytes.`);
    },
  };
}

/**
 * A POST of a type no request parser takes is a 415 with a coded body, where yoga's had none (an
 * attacker's pass). After the CSRF check, whose 403 comes first for a type a form can send.
 *
 * yoga's parsers match the type byte for byte, where a media type's type and subtype are
 * case-insensitive and may have whitespace before their parameters (RFC 9110, 5.6.6 and 8.3.1):
 * `APPLICATION/JSON` was a 415. So the request's type is written as they expect first; its
 * parameters stay as sent (a multipart boundary is case-sensitive).
 */
export function useUnsupportedTypes(): Plugin {
  const body = JSON.stringify({
    errors: [{ message: "A POST's Content-Type is application/json (or application/graphql+json), application/graphql, multipart/form-data for an upload, or application/x-www-form-urlencoded.", extensions: { code: 'BAD_REQUEST' } }],
  });
  return {
    onRequest({ request }) {
      const sent = request.headers.get('content-type');
      // Most clients send it as yoga reads it: no string is made for those.
      if (sent === null || sent === 'application/json' || sent.startsWith('application/json;')) return;
      const parameters = sent.indexOf(';');
      const essence = (parameters < 0 ? sent : sent.slice(0, parameters)).trim().toLowerCase();
      const normalized = parameters < 0 ? essence : essence + sent.slice(parameters);
      if (normalized !== sent) request.headers.set('content-type', normalized);
    },
    onRequestParse({ request, requestParser, endResponse, fetchAPI }) {
      if (requestParser || request.method !== 'POST') return;
      endResponse(new fetchAPI.Response(body, { status: 415, headers: { 'content-type': 'application/json; charset=utf-8' } }));
    },
  };
}

/** The refusal of request parameters yoga's parsers fail on (useMalformedParameters). */
export const MALFORMED = "The request's parameters are malformed: variables and extensions are JSON objects, a multipart request's operations and map JSON as the upload spec says.";

/**
 * yoga reads the `variables` and `extensions` of a GET or a form POST with a bare JSON.parse, and
 * a multipart request's `operations` and `map` trusting their shape: malformed, they were a 500
 * with the stack logged twice (attackers' passes), where a malformed JSON body is a 400. They are
 * one too, and so are a multipart request's fields that are no JSON at all or missing, which yoga
 * refuses with an error of its own that came out as a 200, its `operations` of null (a 500), and
 * a `map` missing or naming a file the request does not hold: yoga takes the map as optional and
 * a missing file as null, so setChatroomAvatar ran with no avatar and removed the room's (the
 * next pass); a map giving a file to no variable, the same. A JSON body's parser is left as it
 * is, unwrapped; a synchronous parser stays so.
 */
export function useMalformedParameters(): Plugin {
  const malformed = () => new GraphQLError(MALFORMED, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
  const refuse = (error: unknown): never => {
    if (error instanceof SyntaxError || error instanceof TypeError || (error instanceof GraphQLError && /multipart form field/i.test(error.message))) throw malformed();
    throw error;
  };
  const anObject = <T>(params: T): T => {
    if (params === null || typeof params !== 'object') throw malformed();
    return params;
  };
  // The form yoga read (whatwg-node keeps it until useRequestSizeLimit lets go of it).
  const everyFileSent = async <T>(request: Request, params: T): Promise<T> => {
    const form = await request.formData();
    const map = form.get('map');
    if (typeof map !== 'string') throw malformed();
    // Each file where a variable takes it: mapped elsewhere (`extensions`, nowhere), it was dropped
    // and the mutation ran with the null its variables held (the next pass).
    const targets = new Set<string>();
    for (const [field, paths] of Object.entries(JSON.parse(map) as Record<string, unknown>)) {
      const file = form.get(field);
      if (typeof file !== 'object' || file === null) throw malformed();
      if (!Array.isArray(paths) || paths.length === 0 || !paths.every((path) => typeof path === 'string' && path.startsWith('variables.'))) throw malformed();
      for (const path of paths as string[]) targets.add(path.split('.')[1]!);
    }
    // Whether the operation declares them is known once its document is (persisted or not).
    uploadTargets.set(request, targets);
    return anObject(params);
  };
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      const type = request.headers.get('content-type')?.toLowerCase() ?? '';
      const multipart = type.startsWith('multipart/form-data');
      if (!requestParser || (request.method === 'POST' && !type.startsWith('application/x-www-form-urlencoded') && !multipart)) return;
      setRequestParser((parsed) => {
        try {
          const params = requestParser(parsed);
          if (multipart) return Promise.resolve(params).then((read) => everyFileSent(parsed, read)).catch(refuse);
          return isPromise(params) ? params.catch(refuse) : params;
        } catch (error) {
          return refuse(error);
        }
      });
    },
  };
}

/** The variables a multipart request's map gives its files to, by request (useMalformedParameters). */
const uploadTargets = new WeakMap<Request, ReadonlySet<string>>();

/**
 * A multipart request carries an upload, which only a mutation takes (setChatroomAvatar): one of
 * any other operation is refused (400) before it runs. A subscription's or @live query's request
 * lives as long as it does, and the file with it: a 6 MB one mapped to a variable it never
 * declared held 5.7 MB of heap per subscription (an attacker's pass). A mutation's file goes to a
 * variable it declares: mapped to another, the file was dropped with that variable, and
 * setChatroomAvatar ran with the avatar the operations held, null, which removed the room's.
 */
export function useUploadsForMutationsOnly(): Plugin {
  const refusal = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
  const notMutation = refusal('A multipart request carries an upload, which only a mutation takes: send any other operation as JSON.');
  const undeclared = refusal("A multipart request's map gives a file to a variable the operation does not declare.");
  const check = (args: ExecutionArgs, stop: (result: ExecutionResult) => void) => {
    const request = (args.contextValue as { request?: Request }).request;
    if (!request?.headers.get('content-type')?.toLowerCase().startsWith('multipart/form-data')) return;
    const operation = getOperationAST(args.document, args.operationName);
    if (operation?.operation !== 'mutation') return stop({ errors: [notMutation] });
    const declared = new Set(operation.variableDefinitions?.map((definition) => definition.variable.name.value));
    for (const target of uploadTargets.get(request) ?? []) if (!declared.has(target)) return stop({ errors: [undeclared] });
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
  };
}

/**
 * The fetch API yoga parses requests with, capped for multipart: one file and a few small text
 * fields. The file's own cap stays with the body limit above, so an avatar a little too large still
 * reaches setChatroomAvatar and is refused there as BAD_USER_INPUT naming the argument.
 */
export const limitedFetchApi = (limits: Limits, avatarMaxBytes: number) =>
  createFetch({
    formDataLimits: {
      fileSize: avatarMaxBytes + limits.maxRequestBytes,
      files: 1,
      fieldSize: limits.maxRequestBytes,
      fields: 4,
      headerSize: 16 * 1024,
    },
  });
