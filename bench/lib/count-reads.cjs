// Preloaded (`node -r`) into a tcpscope CLI run by the bench: counts the bytes it reads
// through fs.read/readSync (how capture files are read; module loading does not go through
// them) and what it writes to stdout or -o files, and prints both as one JSON line on
// stderr at exit.
const fs = require('node:fs')
const counts = { read: 0, written: 0 }
const read = fs.read
fs.read = function (fd, buf, off, len, pos, cb) {
  return read.call(fs, fd, buf, off, len, pos, (err, n, b) => {
    if (!err) counts.read += n
    cb(err, n, b)
  })
}
const readSync = fs.readSync
fs.readSync = function (...args) {
  const n = readSync.apply(fs, args)
  counts.read += n
  return n
}
const write = fs.write
fs.write = function (fd, buf, ...rest) {
  const cb = rest[rest.length - 1]
  rest[rest.length - 1] = (err, n, b) => {
    if (!err) counts.written += n
    cb(err, n, b)
  }
  return write.call(fs, fd, buf, ...rest)
}
const stdoutWrite = process.stdout.write.bind(process.stdout)
process.stdout.write = (chunk, ...rest) => {
  counts.written += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length
  return stdoutWrite(chunk, ...rest)
}
process.on('exit', () => process.stderr.write(`\n${JSON.stringify({ countReads: counts })}\n`))
