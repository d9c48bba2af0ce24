/**
 * `omadm/arbitraries`: fast-check arbitraries of valid messages and elements, generated from
 * the DTDs like the rest of the message layer. For property tests of code that handles DM
 * messages:
 *
 *   import fc from 'fast-check';
 *   import { messageArbitrary } from 'omadm/arbitraries';
 *   fc.assert(fc.property(messageArbitrary(), (m) => ...));
 */
export * from '../generated/arbitraries.js';
