export * from './errors.js';
export * from './limits.js';
export * from './xml-reader.js';
export * from './xml-writer.js';
export * from './utf8.js';
export * from './value-checks.js';
