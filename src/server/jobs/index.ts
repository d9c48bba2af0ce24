/** Jobs as commands for the session, and what came back as their outcome. */
export * from './job-commands.js';
