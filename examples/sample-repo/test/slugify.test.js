import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slugify } from '../src/slugify.js';

test('lowercases words and joins them with dashes', () => {
  assert.equal(slugify('Hello World'), 'hello-world');
});

test('collapses runs of spaces and punctuation into one dash', () => {
  assert.equal(slugify('a  --  b'), 'a-b');
});

test('drops leading separators', () => {
  assert.equal(slugify('  ...Leading spaces'), 'leading-spaces');
});

test('drops trailing separators', () => {
  assert.equal(slugify('Hello, World!'), 'hello-world');
});
