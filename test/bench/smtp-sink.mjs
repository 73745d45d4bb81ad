// The mail bench's SMTP server, in a process of its own so that it takes no time from the sender
// being measured: it accepts every message, keeps the first since the last reset, and counts them.
import { SMTPServer } from 'smtp-server'

let count = 0
let first = null
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    const chunks = first === null ? [] : null
    stream.on('data', (c) => chunks?.push(c))
    stream.on('end', () => {
      if (chunks) first = Buffer.concat(chunks).toString('utf8')
      count++
      callback()
    })
  },
})
server.listen(0, '127.0.0.1', () => process.send({ port: server.server.address().port }))
process.on('message', (m) => {
  if (m === 'count') process.send({ count, first })
  if (m === 'reset') {
    count = 0
    first = null
    process.send({ reset: true })
  }
  if (m === 'close') server.close(() => process.exit(0))
})
