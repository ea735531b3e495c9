// Runs graphql-http's GraphQL-over-HTTP server audits against a live server.
// Usage: node audit_http.mjs <http url of /graphql>
// Prints one JSON line per audit: {id, name, status, reason?, httpStatus?}.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit_http.mjs <url>');
  process.exit(2);
}

for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    line.reason = result.reason;
    line.httpStatus = result.response.status;
  }
  console.log(JSON.stringify(line));
}
