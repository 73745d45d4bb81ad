// Runs the `comeback` command: from dist/ as built JavaScript (npm start), or through tsx (comeback.js).
import { main } from './main.ts'

const code = await main(process.argv)
// `serve` keeps running; every other command ends with its exit code.
if (process.argv[2] !== 'serve' || code !== 0) process.exit(code)
