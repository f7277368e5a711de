import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * EventBridge's PutEvents served on loopback, for tests: the JSON protocol the SDK speaks
 * (POST, X-Amz-Target: AWSEvents.PutEvents, application/x-amz-json-1.1), recording the entries it
 * accepts. `behave` decides each call's answer: accept all, throttle the call, fail it with a 5xx,
 * fail some entries (partial failure), or never answer.
 */
export interface RecordedEntry {
  eventBusName?: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown> & { eventId: string };
  time?: number;
}

export type CallAnswer =
  | { kind: 'accept' }
  | { kind: 'throttle' }
  | { kind: 'error'; status: number; type: string }
  /** Per-entry failures: the error code for an entry, or undefined to accept it. */
  | { kind: 'partial'; fail: (entry: RecordedEntry, index: number) => string | undefined }
  | { kind: 'hang' };

export interface FakeEventBridge {
  url: string;
  /** Entries accepted, in order. */
  accepted: RecordedEntry[];
  /** Every call: how many entries and what was answered. */
  calls: { entries: number; answer: CallAnswer['kind']; target: string | undefined; contentType: string | undefined }[];
  behave: (call: number, entries: RecordedEntry[]) => CallAnswer;
  /** Waits until `predicate` holds over the accepted entries (or fails after `timeoutMs`). */
  until(predicate: (accepted: RecordedEntry[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakeEventBridge(): Promise<FakeEventBridge> {
  const hanging = new Set<ServerResponse>();
  const fake: FakeEventBridge = {
    url: '',
    accepted: [],
    calls: [],
    behave: () => ({ kind: 'accept' }),
    async until(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(fake.accepted)) {
        if (Date.now() > deadline) throw new Error(`the fake bus did not get the expected entries in ${timeoutMs} ms; it has ${fake.accepted.map((e) => e.detailType).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const target = req.headers['x-amz-target'] as string | undefined;
      if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') return send(res, 400, { __type: 'UnknownOperationException', message: `not served here: ${target}` });
      const body = JSON.parse(text) as { Entries: { EventBusName?: string; Source: string; DetailType: string; Detail: string; Time?: number }[] };
      const entries: RecordedEntry[] = body.Entries.map((e) => ({ ...(e.EventBusName ? { eventBusName: e.EventBusName } : {}), source: e.Source, detailType: e.DetailType, detail: JSON.parse(e.Detail), ...(e.Time !== undefined ? { time: e.Time } : {}) }));
      const answer = fake.behave(fake.calls.length, entries);
      fake.calls.push({ entries: entries.length, answer: answer.kind, target, contentType: req.headers['content-type'] });
      if (answer.kind === 'hang') return void hanging.add(res);
      if (answer.kind === 'throttle') return send(res, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' }, { 'x-amzn-errortype': 'ThrottlingException' });
      if (answer.kind === 'error') return send(res, answer.status, { __type: answer.type, message: 'failed' }, { 'x-amzn-errortype': answer.type });
      const codes = entries.map((entry, i) => (answer.kind === 'partial' ? answer.fail(entry, i) : undefined));
      entries.forEach((entry, i) => codes[i] === undefined && fake.accepted.push(entry));
      send(res, 200, { FailedEntryCount: codes.filter(Boolean).length, Entries: codes.map((code) => (code ? { ErrorCode: code, ErrorMessage: `entry failed: ${code}` } : { EventId: randomUUID() })) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}
