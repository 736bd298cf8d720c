'use strict';
const test = require('node:test');
const assert = require('node:assert');
const request = require('supertest');
const { createApp } = require('../src/app');

const app = createApp({ version: 'test' });

test('health endpoint answers ok', async () => {
  const res = await request(app).get('/healthz');
  assert.strictEqual(res.status, 200);
  assert.deepStrictEqual(res.body, { status: 'ok' });
});

test('greets the world by default', async () => {
  const res = await request(app).get('/greet');
  assert.strictEqual(res.status, 200);
  assert.strictEqual(res.body.message, 'hello, world');
  assert.strictEqual(res.body.version, 'test');
});

test('greets by name', async () => {
  const res = await request(app).get('/greet').query({ name: 'Ada' });
  assert.strictEqual(res.body.message, 'hello, Ada');
});

test('rejects a name that is too long', async () => {
  const res = await request(app).get('/greet').query({ name: 'x'.repeat(65) });
  assert.strictEqual(res.status, 400);
});

test('sets security headers and hides the framework', async () => {
  const res = await request(app).get('/healthz');
  assert.strictEqual(res.headers['x-powered-by'], undefined);
  assert.strictEqual(res.headers['x-content-type-options'], 'nosniff');
});

test('unknown paths are 404 in JSON', async () => {
  const res = await request(app).get('/nope');
  assert.strictEqual(res.status, 404);
  assert.deepStrictEqual(res.body, { error: 'not found' });
});
