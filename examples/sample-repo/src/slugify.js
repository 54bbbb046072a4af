/**
 * Turn a title into a URL slug: "Hello World" → "hello-world".
 */
export function slugify(text) {
  return String(text)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '');
}
