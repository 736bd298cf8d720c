'use strict';
// HEALTHCHECK without a shell or curl: distroless has neither, only node.
const http = require('http');

const port = Number(process.env.PORT || 8080);
const request = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2000 }, (res) => {
  process.exit(res.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timeout')));
request.on('error', () => process.exit(1));
