import { BREAK, GraphQLError, Kind, separateOperations, visit, type DocumentNode, type ExecutionArgs, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import { isAsyncIterable, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import { perOperation } from './directives.js';

/** What yoga answers in: a result, or a stream of them (multipart for incremental delivery, SSE). */
const ANSWERED_IN = ['application/graphql-response+json', 'application/json', 'multipart/mixed', 'text/event-stream'];

/**
 * The media types of ANSWERED_IN an Accept header takes, read as yoga's result processors read it,
 * to the letter (it exports no reader): no header takes any, and a range with a charset other than
 * UTF-8 takes none (yoga answers in UTF-8 only), a parameter that holds `charset=` anywhere being
 * the charset. Read otherwise, `application/json;xcharset=1` passed here and was refused by yoga
 * once the mutation had run (an attacker's pass). A weight of 0 refuses its type (RFC 9110,
 * 12.4.2: "not acceptable"), the most specific range deciding: the next pass saw a mutation run for
 * a client that had refused every type it is answered in. yoga reads no weight, so a client that
 * refuses some types and takes others may be answered in one it refused.
 */
function acceptedAnswers(header: string | null): string[] {
  const ranges = (header || '*/*')
    .replace(/\s/g, '')
    .toLowerCase()
    .split(',')
    .flatMap((range) => {
      const [media = '', ...parameters] = range.split(';');
      if ((parameters.find((parameter) => parameter.includes('charset=')) ?? 'charset=utf-8') !== 'charset=utf-8') return [];
      const [type = '', subtype = ''] = media.split('/');
      return [{ type, subtype, refuses: parameters.some((parameter) => ZERO_WEIGHT.test(parameter)) }];
    });
  return ANSWERED_IN.filter((answer) => {
    const [ownType, ownSubtype] = answer.split('/');
    let mostSpecific = -1;
    let refused = false;
    for (const { type, subtype, refuses } of ranges) {
      if ((type !== '*' && type !== ownType) || (subtype !== '*' && subtype !== ownSubtype)) continue;
      const specificity = Number(type !== '*') + Number(subtype !== '*');
      if (specificity < mostSpecific) continue;
      refused = specificity > mostSpecific ? refuses : refused || refuses;
      mostSpecific = specificity;
    }
    return mostSpecific >= 0 && !refused;
  });
}

/** A weight of 0, "not acceptable" (RFC 9110, 12.4.2), as an Accept or Accept-Encoding parameter. */
export const ZERO_WEIGHT = /^q=0(\.0{0,3})?$/;

/** What yoga answers a stream of results in (incremental delivery, a subscription, @live). */
const STREAMED_IN = ['multipart/mixed', 'text/event-stream'];

/**
 * A POST whose Accept no answer of yoga's can meet is refused before its body is parsed (406, a
 * coded body). yoga finds out only once it has the result, and then answers 406 with no body: a
 * mutation had run, its write made, and the client could not tell (an attacker's pass; a client
 * that retried wrote twice). Checked when the request is parsed, which yoga does only for a
 * request to its endpoint however it matched the path (`/graphql/` as well, the next pass). A GET
 * is left to yoga: it runs no mutation, and one that accepts HTML is a browser asking for GraphiQL.
 */
export function useAcceptableAnswers(): Plugin {
  const body = JSON.stringify({
    errors: [{ message: `None of the media types the request accepts can carry the answer: ${ANSWERED_IN.join(', ')} (UTF-8).`, extensions: { code: 'BAD_REQUEST' } }],
  });
  return {
    onRequestParse({ request, fetchAPI, endResponse }) {
      if (request.method !== 'POST' || acceptedAnswers(request.headers.get('accept')).length > 0) return;
      endResponse(new fetchAPI.Response(body, { status: 406, headers: { 'content-type': 'application/json; charset=utf-8', accept: ANSWERED_IN.join(', ') } }));
    },
  };
}

/**
 * Whether an operation answers in a stream: a subscription (which yoga answers in SSE alone), or
 * @live, @defer or @stream that are not switched off by `if:`, in the operation or a fragment it
 * spreads. A condition by variable is kept by its name and read per execution.
 */
type Streamed = false | 'always' | 'subscription' | { variable: string; streams: Condition }[];

/** Whether a directive streams, given whether its `if:` was sent (as a literal or a variable) and its value. */
type Condition = (sent: boolean, value: unknown) => boolean;

/**
 * `if:` read as the executor that acts on it reads it: for @defer and @stream, graphql-js's coerced
 * variables (one not sent is its declared default); for @live, @envelop/live-query's raw ones (one
 * not sent is the directive's default, true; only true is live). Read alike for both, a
 * `$live: Boolean = false` not sent was run live by the store, and answered 406 by yoga with no body
 * (a reviewer's pass).
 */
const conditionOf = (directive: string, declared: unknown): Condition =>
  directive === 'live' ? (sent, value) => !sent || value === true : (sent, value) => (sent ? value : declared) !== false;

function streamedBy(document: DocumentNode, operation: OperationDefinitionNode): Streamed {
  if (operation.operation === 'subscription') return 'subscription';
  const conditions: { variable: string; streams: Condition }[] = [];
  let always = false;
  // The operation (its @live) and the fragments it reaches, not the document's other operations.
  visit(separateOperations(document)[operation.name?.value ?? '']!, {
    Directive(node) {
      if (!STREAMING.has(node.name.value)) return undefined;
      const condition = node.arguments?.find((argument) => argument.name.value === 'if')?.value;
      if (condition?.kind === Kind.VARIABLE) {
        const name = condition.name.value;
        const fallback = operation.variableDefinitions?.find((definition) => definition.variable.name.value === name)?.defaultValue;
        conditions.push({ variable: name, streams: conditionOf(node.name.value, fallback?.kind === Kind.BOOLEAN ? fallback.value : true) });
        return undefined;
      }
      const literal = condition?.kind === Kind.BOOLEAN ? condition.value : condition?.kind === Kind.NULL ? null : undefined;
      if (!conditionOf(node.name.value, true)(condition !== undefined, literal)) return undefined;
      always = true;
      return BREAK;
    },
  });
  return always ? 'always' : conditions.length > 0 && conditions;
}

/** The directives that answer in a stream unless `if:` switches them off. */
const STREAMING = new Set(['live', 'defer', 'stream']);

const SUBSCRIBED_IN = ['text/event-stream'];

/**
 * An operation that answers in a stream, for a client whose Accept takes no stream it can be
 * answered in, is refused before it runs (406, a coded body). yoga finds out only once the stream
 * is there: a mutation with @defer had made its write, then an empty 406 (a reviewer's pass); a
 * subscription or @live query had been set up for nothing. Over a WebSocket there is no Accept,
 * and every answer fits.
 */
export function useStreamsAccepted(): Plugin<YogaInitialContext> {
  const refusal = (media: string[]) =>
    new GraphQLError(`The operation answers in a stream of results, and the request accepts none of the media types that carry it: ${media.join(', ')}.`, {
      extensions: { code: 'BAD_REQUEST', http: { status: 406 } },
    });
  const refusals = { subscription: refusal(SUBSCRIBED_IN), other: refusal(STREAMED_IN) };
  const streamedIn = perOperation((args, operation) => streamedBy(args.document, operation));
  const check = (args: ExecutionArgs, stop: (result: ExecutionResult) => void) => {
    // Most operations answer in one result: their Accept is not read here.
    const streamed = streamedIn(args);
    if (!streamed) return;
    const media = acceptedAnswers((args.contextValue as Partial<YogaInitialContext>).request?.headers.get('accept') ?? null);
    if (media.includes('text/event-stream')) return;
    if (streamed === 'subscription') {
      stop({ errors: [refusals.subscription] });
      return;
    }
    if (media.includes('multipart/mixed')) return;
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    if (streamed === 'always' || streamed.some(({ variable, streams }) => streams(variable in variables, variables[variable]))) stop({ errors: [refusals.other] });
  };
  // yoga answers any result of a subscription in SSE or JSON alone, the refusal too: for a client
  // that accepts multipart/mixed only, it is JSON all the same, where yoga's 406 had no body.
  const refusedSubscription = JSON.stringify({ errors: [{ message: refusals.subscription.message, extensions: { code: 'BAD_REQUEST' } }] });
  return {
    onExecute: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
    onResultProcess({ result, resultProcessor, setResultProcessor }) {
      if (resultProcessor || isAsyncIterable(result) || Array.isArray(result) || !result.errors?.includes(refusals.subscription)) return;
      setResultProcessor(
        (_, fetchAPI) => new fetchAPI.Response(refusedSubscription, { status: 406, headers: { 'content-type': 'application/json; charset=utf-8', accept: SUBSCRIBED_IN.join(', ') } }),
        'application/json',
      );
    },
  };
}
