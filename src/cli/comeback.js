#!/usr/bin/env node
// The `comeback` command: runs the TypeScript sources through tsx, so there is no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('./main.ts')
const code = await main(process.argv)
if (process.argv[2] !== 'serve') process.exit(code)
else if (code !== 0) process.exit(code)
