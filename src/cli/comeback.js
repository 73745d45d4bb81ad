#!/usr/bin/env node
// The `comeback` command: runs the TypeScript sources through tsx, so there is no build step.
// `npm start` runs the built JavaScript instead (dist/cli/run.js): no transpiler in the server.
import { register } from 'tsx/esm/api'

register()
await import('./run.ts')
