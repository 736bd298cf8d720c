'use strict';
// The application without its listener, so the tests drive it in-process.
const express = require('express');
const helmet = require('helmet');

function createApp({ version = process.env.APP_VERSION || 'dev' } = {}) {
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/greet', (req, res) => {
    const name = String(req.query.name || 'world').trim();
    if (name.length > 64) {
      res.status(400).json({ error: 'name is longer than 64 characters' });
      return;
    }
    res.json({ message: `hello, ${name}`, version });
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });

  return app;
}

module.exports = { createApp };
