// Follows one ticket with the graphql-ws client over graphql-transport-ws.
// Usage: node subscribe_ws.mjs <ws url of /graphql> <token> <ticket id>
// Prints JSON lines: {event: "connected"}, {event: "next", payload},
// {event: "error", error}, {event: "complete"}, {event: "closed", code, reason}.
// A line "unsubscribe" on stdin ends the subscription from the client's side.
import { createInterface } from 'node:readline';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, ticketId] = process.argv.slice(2);
if (!ticketId) {
  console.error('usage: node subscribe_ws.mjs <url> <token> <ticket id>');
  process.exit(2);
}
const print = (line) => console.log(JSON.stringify(line));

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
  on: {
    connected: () => print({ event: 'connected' }),
    closed: (event) => {
      print({ event: 'closed', code: event.code, reason: event.reason });
      process.exit(0);
    },
  },
});

const query = `subscription ($id: ID!) {
  ticketUpdates(ticketId: $id) { kind ticketId ticket { status lastMessage { content } } }
}`;
const unsubscribe = client.subscribe(
  { query, variables: { id: ticketId } },
  {
    next: (payload) => print({ event: 'next', payload }),
    // GraphQL errors arrive as an array; a broken connection as a CloseEvent or Error.
    error: (error) =>
      print({
        event: 'error',
        error: Array.isArray(error) ? error : { code: error?.code, reason: error?.reason ?? String(error) },
      }),
    complete: () => print({ event: 'complete' }),
  },
);

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'unsubscribe') {
    unsubscribe();
    await client.dispose();
  }
}
